// The plugin server stopping (Kong sends SIGTERM on stop and reload, a
// container stop does the same): streams in flight finish within the grace
// period, traces go to the control plane or, when it cannot take them, stay
// durably in the spool for the next process. After SIGKILL only what was
// never written can be lost: every answered request's trace arrives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { startKongDriver } from '../../local/kong-driver/gateway';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, PLUGINS_DIR, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let fast: FakeProvider;
let slow: FakeProvider;

before(async () => {
  [stack, fast, slow] = await Promise.all([
    startStack({ plugin: { shutdown_grace_seconds: 20 } }),
    startFakeOpenAI({ apiKey: 'sk-down' }),
    startFakeOpenAI({ apiKey: 'sk-down', chunkGapMs: 400 }),
  ]);
  await createSecret(stack, 'key', 'openai', { apiKey: 'sk-down' });
  for (const [name, fake] of [
    ['chat', fast],
    ['slow', slow],
  ] as const) {
    await putEndpoint(stack, {
      name,
      kind: 'chat',
      destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
    });
  }
  await waitFor('serving', async () => ((await chat(stack.driver, 'chat')).status === 200 ? true : undefined));
});

after(async () => {
  await stack?.close();
  await Promise.all([fast?.close(), slow?.close()]);
});

async function chat(driver: { url: string }, model: string, stream = false): Promise<{ status: number; id: string; body: string }> {
  const res = await fetch(`${driver.url}/gateway/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'one two three four five six' }] }),
  });
  const body = await res.text().catch(() => '');
  return { status: res.status, id: res.headers.get('x-request-id') ?? '', body };
}

async function allStored(ids: string[], timeoutMs = 40_000): Promise<void> {
  await waitFor(
    `${ids.length} traces stored`,
    async () => {
      const found = await Promise.all(ids.map((id) => stack.api('GET', `/api/v1/traces/${id}`).then((r) => r.status === 200)));
      return found.every(Boolean) ? true : undefined;
    },
    timeoutMs,
    300,
  );
}

test('SIGTERM with 10 streams open and the control plane away: every stream finishes, every trace arrives later', { timeout: 120_000 }, async () => {
  await stack.stopControlPlane();
  const pid = stack.driver.pluginServerPid()!;
  const streams = Array.from({ length: 10 }, () => chat(stack.driver, 'slow', true));
  await new Promise((r) => setTimeout(r, 400));
  process.kill(pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  const refused = await chat(stack.driver, 'chat');
  assert.equal(refused.status, 503, 'a new request while draining gets a clear answer');
  assert.match(refused.body, /gateway_shutting_down/);
  const done = await Promise.all(streams);
  for (const s of done) {
    assert.equal(s.status, 200);
    assert.ok(s.body.includes('data: [DONE]'), 'the stream ran to its end');
  }
  await waitFor('the plugin server exited', async () => (stack.driver.pluginServerPid() !== pid ? true : undefined), 30_000, 100);
  await stack.startControlPlaneAgain();
  // The next plugin server starts its data plane with its first request, and adopts the spool then.
  await waitFor('serving again', async () => ((await chat(stack.driver, 'chat')).status === 200 ? true : undefined), 20_000, 200);
  await allStored(done.map((s) => s.id));
});

test('SIGKILL with the control plane away: the trace of every answered request arrives', { timeout: 120_000 }, async () => {
  await waitFor('serving', async () => ((await chat(stack.driver, 'chat')).status === 200 ? true : undefined), 20_000, 200);
  await stack.stopControlPlane();
  const answered = [];
  for (let i = 0; i < 20; i++) answered.push(await chat(stack.driver, 'chat'));
  assert.deepEqual(new Set(answered.map((a) => a.status)), new Set([200]));
  // At once: an answer's last byte leaves the data server only after its trace is written.
  process.kill(stack.driver.pluginServerPid()!, 'SIGKILL');
  await stack.startControlPlaneAgain();
  // Kong (the driver) starts a new plugin server; it adopts the dead one's spool on its first request.
  await waitFor('serving again', async () => ((await chat(stack.driver, 'chat')).status === 200 ? true : undefined), 20_000, 200);
  await allStored(answered.map((a) => a.id));
});

test('a stream longer than the grace period is cut when it ends, and still leaves its trace', { timeout: 120_000 }, async () => {
  const yml = parse(readFileSync(join(resolve(__dirname, '../..'), 'kong.yml'), 'utf8')) as {
    services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }>;
  };
  Object.assign(yml.services[0]!.plugins[0]!.config, {
    control_plane_url: stack.controlPlane.url,
    dataplane_token: stack.dataplaneToken,
    state_dir: stack.stateDir,
    trace_flush_ms: 100,
    shutdown_grace_seconds: 1,
  });
  const driver = await startKongDriver({
    kongYml: yml,
    pluginsDir: PLUGINS_DIR,
    env: { ...process.env, LLM_GATEWAY_LOG: process.env.LLM_GATEWAY_LOG ?? 'silent' },
  });
  try {
    await waitFor('serving', async () => ((await chat(driver, 'chat')).status === 200 ? true : undefined));
    slow.enqueue({ kind: 'ok', text: 'a b c d e f g h i j k l m n o p', chunkGapMs: 1500 });
    const long = chat(driver, 'slow', true);
    await new Promise((r) => setTimeout(r, 500));
    const signalled = Date.now();
    process.kill(driver.pluginServerPid()!, 'SIGTERM');
    const cut = await long;
    assert.ok(Date.now() - signalled < 5_000, 'cut at the end of the grace period, not at the end of the stream');
    assert.ok(!cut.body.includes('data: [DONE]'));
    await allStored([cut.id]);
  } finally {
    await driver.close();
  }
});
