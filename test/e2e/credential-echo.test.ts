// A provider that repeats the gateway's key in its error text (real ones do,
// masked or whole) must not hand it to the client, on either ingress,
// streamed or not, nor to the traces a viewer can read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

const KEY = 'sk-live-ABCDEFGHIJKLMNOPQRSTUV0123456789';
const LEAKS = [KEY, KEY.slice(0, 12), KEY.slice(-8), 'Bearer eyAbCdEfGhIjKlMnOp'];

let stack: Stack;
let provider: FakeProvider;
let openai: OpenAI;
let anthropic: Anthropic;

before(async () => {
  [stack, provider] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: KEY })]);
  await createSecret(stack, 'live', 'openai', { apiKey: KEY });
  await putEndpoint(stack, {
    name: 'echoing',
    kind: 'chat',
    destinations: [{ id: 'only', provider: 'openai', model: 'gpt-4o-mini', secret: 'live', weight: 100, options: { baseUrl: `${provider.url}/v1` } }],
    fallback: { chain: [], maxAttempts: 1 },
  });
  openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'dummy', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'dummy', maxRetries: 0 });
  await waitFor('the endpoint', async () => ((await openai.models.list()).data.some((m) => m.id === 'echoing') ? true : undefined));
});

after(async () => {
  await stack?.close();
  await provider?.close();
});

const echoes = [
  `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
  `Incorrect API key provided: ${KEY.slice(0, 12)}****************${KEY.slice(-8)}.`,
  `Unauthorized: header was Authorization: Bearer eyAbCdEfGhIjKlMnOp`,
];

function assertClean(text: string, where: string): void {
  for (const leak of LEAKS) assert.ok(!text.includes(leak), `${where} leaks ${leak}: ${text}`);
}

test('a 401 that echoes the key reaches the OpenAI client redacted, whole and streamed', async () => {
  for (const message of echoes) {
    for (const stream of [false, true]) {
      provider.enqueue({ kind: 'status', status: 401, message });
      const err = await openai.chat.completions.create({ model: 'echoing', messages: [{ role: 'user', content: 'hi' }], stream }).then(
        () => assert.fail('expected an error'),
        (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
      );
      assert.equal(err.status, 502);
      assertClean(JSON.stringify(err.error), `stream=${stream}`);
      assert.match(JSON.stringify(err.error), /REDACTED/);
    }
  }
});

test('an in-stream error that echoes the key is redacted in the SSE error event', async () => {
  provider.enqueue({ kind: 'stream-error', afterChunks: 2, message: echoes[0] });
  const stream = await openai.chat.completions.create({ model: 'echoing', messages: [{ role: 'user', content: 'hi there' }], stream: true });
  const err = await (async () => {
    for await (const _ of stream);
  })().then(
    () => assert.fail('expected the stream to fail'),
    (e: unknown) => e as Error,
  );
  assertClean(`${err.message} ${JSON.stringify((err as { error?: unknown }).error ?? '')}`, 'the SSE error');
});

test('the Anthropic ingress gets the same redaction', async () => {
  provider.enqueue({ kind: 'status', status: 401, message: echoes[0] });
  const err = await anthropic.messages.create({ model: 'echoing', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).then(
    () => assert.fail('expected an error'),
    (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
  );
  assertClean(JSON.stringify(err.error), 'the Anthropic error');
});

test('no trace keeps what the provider echoed', async () => {
  const traces = await waitFor('the traces of the failed calls', async () => {
    const res = await stack.api<{ items: unknown[] }>('GET', '/api/v1/traces?endpoint=echoing&limit=50');
    return res.body.items.length >= 8 ? res.body.items : undefined;
  });
  assertClean(JSON.stringify(traces), 'the traces');
});
