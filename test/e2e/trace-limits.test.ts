// The reproduction of "one anonymous request switches off tracing for good":
// a chat request with a 1 MiB `user` (served) and one with a 300-character
// `model` (404) used to leave traces the control plane refused, and the
// shipper retried that first batch forever while every later trace piled up.
// Now both are stored (bounded, marked), and 400 normal requests after them
// all arrive, each trace exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let fake: FakeProvider;

before(async () => {
  [stack, fake] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-limits' })]);
  await createSecret(stack, 'key', 'openai', { apiKey: 'sk-limits' });
  await putEndpoint(stack, {
    name: 'chat',
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  });
  await waitFor('endpoint', async () => ((await chat({ model: 'chat' })).status === 200 ? true : undefined));
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

async function chat(extra: Record<string, unknown>): Promise<{ status: number; id: string }> {
  const res = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
  await res.arrayBuffer();
  return { status: res.status, id: res.headers.get('x-request-id') ?? '' };
}

async function storedIds(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const res = await stack.api<{ items: Array<{ id: string }>; nextCursor: string | null }>(
      'GET',
      `/api/v1/traces?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    ids.push(...res.body.items.map((t) => t.id));
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

test('a 1 MiB user and a 300-character model do not stop tracing: 400 later traces all arrive, none doubled', { timeout: 120_000 }, async () => {
  const sent: string[] = [];
  const huge = await chat({ model: 'chat', user: 'u'.repeat(1 << 20) });
  assert.equal(huge.status, 200);
  const unknown = await chat({ model: 'm'.repeat(300) });
  assert.equal(unknown.status, 404);
  sent.push(huge.id, unknown.id);
  for (let i = 0; i < 400; i += 20) {
    const answers = await Promise.all(Array.from({ length: 20 }, () => chat({ model: 'chat' })));
    for (const a of answers) {
      assert.equal(a.status, 200);
      sent.push(a.id);
    }
  }
  await waitFor(
    'every trace stored',
    async () => {
      const ids = new Set(await storedIds());
      return sent.every((id) => ids.has(id)) ? true : undefined;
    },
    60_000,
    500,
  );
  const ids = await storedIds();
  assert.equal(ids.filter((id) => sent.includes(id)).length, sent.length, 'each trace exactly once');

  const hugeTrace = (await stack.api<{ user: string }>('GET', `/api/v1/traces/${huge.id}`)).body;
  assert.equal(hugeTrace.user.length, 256);
  assert.match(hugeTrace.user, /…\[\+\d+ chars\]$/, 'the cut is marked');
  const unknownTrace = (await stack.api<{ endpoint: string; errorCode: string }>('GET', `/api/v1/traces/${unknown.id}`)).body;
  assert.equal(unknownTrace.endpoint.length, 64);
  assert.equal(unknownTrace.errorCode, 'model_not_found');
});
