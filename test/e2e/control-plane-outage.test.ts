// The data plane survives its control plane: configuration changes arrive
// within a second, the last configuration keeps serving during an outage
// (also across a plugin-server restart, from the sealed cache), and traces
// held during the outage (also across that restart, from the spool) are
// delivered afterwards, none lost, none doubled.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let fake: FakeProvider;
let client: OpenAI;

const endpoint = (model: string) => ({
  name: 'chat',
  kind: 'chat',
  destinations: [{ id: 'oai', provider: 'openai', model, secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
});

before(async () => {
  [stack, fake] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-real' })]);
  await createSecret(stack, 'key', 'openai', { apiKey: 'sk-real' });
  await putEndpoint(stack, endpoint('model-a'));
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'dummy', maxRetries: 0 });
  await waitFor('endpoint', async () => ((await client.models.list()).data.length === 1 ? true : undefined));
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

async function servedModel(): Promise<string> {
  const { response } = await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'x' }] }).withResponse();
  return response.headers.get('x-gateway-model') ?? '';
}

async function traceCount(): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const res = await stack.api<{ items: unknown[]; nextCursor?: string | null }>(
      'GET',
      `/api/v1/traces?endpoint=chat&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    count += res.body.items.length;
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

// The long poll is answered as soon as a change is written; without that push the
// change would wait out the poll (config_wait_seconds: 5 here). How soon it lands
// is measured by the bench (config-propagation), not timed here.
test('a configuration change is in effect before the long poll would have ended', async () => {
  assert.equal(await servedModel(), 'model-a');
  await putEndpoint(stack, endpoint('model-b'));
  await waitFor('model-b', async () => ((await servedModel()) === 'model-b' ? true : undefined), 3000, 20);
});

test('a control-plane outage: serving goes on, traces are held and then delivered exactly once', async () => {
  let served = 0;
  // Earlier requests' traces may still be on their way: wait until the count settles.
  let last = -1;
  const before = await waitFor(
    'earlier traces delivered',
    async () => {
      const now = await traceCount();
      const settled = now > 0 && now === last;
      last = now;
      return settled ? now : undefined;
    },
    10_000,
    600,
  );

  await stack.stopControlPlane();
  for (let i = 0; i < 5; i++) {
    assert.equal(await servedModel(), 'model-b', 'the last configuration keeps serving');
    served++;
  }
  const spool = readdirSync(stack.stateDir).find((f) => f.startsWith('traces-'));
  assert.ok(spool, 'traces are spooled to disk while the control plane is away');
  const spooled = () => readFileSync(join(stack.stateDir, spool), 'utf8').trim().split('\n').length;
  await waitFor('5 spooled traces', async () => (spooled() >= 5 ? true : undefined));

  // The plugin server dies during the outage; Kong (the driver) starts a new one.
  const pid = stack.driver.pluginServerPid()!;
  process.kill(pid, 'SIGKILL');
  // Until the new one listens, Kong answers 502 by itself (the service URL is
  // the data port, which died with the process): nothing is served unticketed.
  await waitFor('the restarted plugin server', async () => ((await servedModel().catch(() => '')) === 'model-b' ? true : undefined), 10_000, 100);
  assert.notEqual(stack.driver.pluginServerPid(), pid);
  served++;
  for (let i = 0; i < 5; i++) {
    assert.equal(await servedModel(), 'model-b', 'the restarted plugin server serves the sealed cached configuration');
    served++;
  }

  await stack.startControlPlaneAgain();
  await waitFor('held traces delivered', async () => ((await traceCount()) === before + served ? true : undefined), 15_000, 200);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await traceCount(), before + served, 'nothing lost, nothing duplicated');
});

test('the sealed configuration cache holds no plaintext credentials', () => {
  const cache = readdirSync(stack.stateDir).find((f) => f.startsWith('config-'));
  assert.ok(cache, 'the snapshot is cached on disk');
  const raw = readFileSync(join(stack.stateDir, cache));
  assert.ok(!raw.includes('sk-real'), 'credentials are not readable from the cache file');
  assert.ok(!raw.includes('model-b'));
});
