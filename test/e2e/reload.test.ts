// `kong reload` with the real plugin under the nginx stand-in: nginx starts
// new workers and a new plugin server while the old ones drain, so for a
// while two plugin servers (two data servers) run at once. A stream that
// started before the reload must finish, requests during and after it must be
// served, and every one of them must leave a trace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { freePort } from '../../control-plane/loaders/free-port';
import { standinKind } from '../../local/kong-standin';
import type { KongNginx } from '../../local/kong-nginx/gateway';
import { startFakeOpenAI } from '../fake-providers/openai';
import { createSecret, putEndpoint, startStack, waitFor } from './stack';

const SKIP = standinKind() === 'nginx' ? false : 'reload needs the nginx stand-in (KONG_STANDIN=nginx)';

async function reloadUnderLoad(plugin: Record<string, unknown>): Promise<void> {
  const [stack, fake] = await Promise.all([startStack({ plugin }), startFakeOpenAI({ apiKey: 'sk-real' })]);
  try {
    await createSecret(stack, 'key', 'openai', { apiKey: 'sk-real' });
    await putEndpoint(stack, {
      name: 'chat',
      kind: 'chat',
      destinations: [{ id: 'oai', provider: 'openai', model: 'm', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
    });
    const client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'dummy', maxRetries: 0 });
    await waitFor('endpoint', async () => ((await client.models.list()).data.length === 1 ? true : undefined));
    const gateway = stack.driver as unknown as KongNginx;

    fake.enqueue({ kind: 'ok', text: 'one two three four', chunkGapMs: 800 });
    const stream = await client.chat.completions.create({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'long' }] });
    const it = stream[Symbol.asyncIterator]();
    let text = '';
    const first = await it.next();
    text += first.value?.choices[0]?.delta?.content ?? '';

    const oldPid = gateway.pluginServerPid();
    await gateway.reload();
    assert.notEqual(gateway.pluginServerPid(), oldPid);

    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: `during ${i}` }] });
      answers.push(r.choices[0]!.message.content ?? '');
    }
    for (let r = await it.next(); !r.done; r = await it.next()) text += r.value.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'one two three four', 'the stream that began before the reload is complete');
    assert.deepEqual(
      answers,
      [0, 1, 2, 3, 4].map((i) => `echo: during ${i}`),
    );

    const after = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'after' }] });
    assert.equal(after.choices[0]!.message.content, 'echo: after');
    const traces = async () => (await stack.api<{ items: unknown[] }>('GET', '/api/v1/traces?endpoint=chat&limit=100')).body.items.length;
    const stored = await waitFor('a trace for every request', async () => ((await traces()) >= 7 ? traces() : undefined), 30_000, 200).catch(
      async (err: Error) => {
        throw new Error(`${err.message}: ${await traces()} of 7 stored`);
      },
    );
    assert.equal(stored, 7, 'one trace per request, none doubled');
  } finally {
    await stack.close();
    await fake.close();
  }
}

test('reload with the data port per plugin server (data_port 0): nothing lost across two plugin servers', { skip: SKIP }, async () => {
  await reloadUnderLoad({ data_port: 0 });
});

test('reload with two data workers per plugin server: nothing lost across four data servers', { skip: SKIP }, async () => {
  await reloadUnderLoad({ data_port: 0, data_workers: 2 });
});

// Why data_port defaults to 0 (kong.yml sets none): with a fixed port an
// operator chose, the new plugin server's data server cannot bind the port
// the old one still holds during the drain, so requests it admits meanwhile
// get 500 gateway_unavailable. Kept as a todo that documents the limit of a
// fixed port (README, Deploying into Kong), not a defect of the default.
test(
  'reload with a fixed data_port (an operator override): the overlap collides',
  { skip: SKIP, todo: SKIP ? undefined : 'a fixed data_port collides across the reload; the default (0) does not' },
  async () => {
    await reloadUnderLoad({ data_port: await freePort() });
  },
);
