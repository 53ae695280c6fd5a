// Kong's lifecycle around the plugin server (read from Kong 3.9's
// plugin_servers code): `kong reload` starts a second plugin server with the
// same configuration while the first still serves its streams, then stops the
// first with SIGTERM; a change of the plugin's configuration starts new plugin
// instances while nginx workers still use the old one. Neither may cost a
// request: no 500s, every stream finishes, every trace arrives once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { startKongDriver, type KongDriver } from '../../local/kong-driver/gateway';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, PLUGINS_DIR, putEndpoint, startStack, waitFor, type Stack } from './stack';

const ROOT = resolve(__dirname, '../..');
let stack: Stack;
let fast: FakeProvider;
let slow: FakeProvider;

/** kong.yml as shipped (no data_port), pointed at this test's control plane. */
function kongYml(overrides: Record<string, unknown> = {}) {
  const yml = parse(readFileSync(join(ROOT, 'kong.yml'), 'utf8')) as { services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }> };
  Object.assign(yml.services[0]!.plugins[0]!.config, {
    control_plane_url: stack.controlPlane.url,
    dataplane_token: stack.dataplaneToken,
    state_dir: stack.stateDir,
    trace_flush_ms: 100,
    config_wait_seconds: 5,
    shutdown_grace_seconds: 20,
    ...overrides,
  });
  return yml;
}

const quietEnv = { ...process.env, LLM_GATEWAY_LOG: process.env.LLM_GATEWAY_LOG ?? 'silent' };

before(async () => {
  [stack, fast, slow] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-life' }), startFakeOpenAI({ apiKey: 'sk-life', chunkGapMs: 400 })]);
  await createSecret(stack, 'key', 'openai', { apiKey: 'sk-life' });
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
});

after(async () => {
  await stack?.close();
  await Promise.all([fast?.close(), slow?.close()]);
});

async function chat(driver: KongDriver, model: string, stream = false): Promise<{ status: number; id: string; body: string }> {
  const res = await fetch(`${driver.url}/gateway/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'one two three four five six' }] }),
  });
  const body = await res.text();
  return { status: res.status, id: res.headers.get('x-request-id') ?? '', body };
}

async function allStored(ids: string[]): Promise<void> {
  await waitFor(
    `${ids.length} traces stored`,
    async () => {
      const found = await Promise.all(ids.map((id) => stack.api('GET', `/api/v1/traces/${id}`).then((r) => r.status === 200)));
      return found.every(Boolean) ? true : undefined;
    },
    30_000,
    300,
  );
}

const completeStream = (body: string) => body.includes('data: [DONE]');

test('kong reload: a second plugin server of the same config serves beside the first; the first drains on SIGTERM', { timeout: 120_000 }, async () => {
  const first = await startKongDriver({ kongYml: kongYml(), pluginsDir: PLUGINS_DIR, env: quietEnv });
  try {
    await waitFor('first serves', async () => ((await chat(first, 'chat')).status === 200 ? true : undefined));
    const streams = Array.from({ length: 5 }, () => chat(first, 'slow', true));
    await new Promise((r) => setTimeout(r, 300));
    // The reload: a new plugin server with the same configuration (and state_dir) while the first streams.
    const second = await startKongDriver({ kongYml: kongYml(), pluginsDir: PLUGINS_DIR, env: quietEnv });
    try {
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await chat(i % 2 ? first : second, 'chat'));
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(20).fill(200),
        'both plugin servers serve at once',
      );
      // Kong stops the old plugin server; its streams finish, the new one goes on serving.
      process.kill(first.pluginServerPid()!, 'SIGTERM');
      const during = await chat(second, 'chat');
      const streamed = await Promise.all(streams);
      assert.equal(during.status, 200);
      for (const s of streamed) {
        assert.equal(s.status, 200);
        assert.ok(completeStream(s.body), 'a stream open during the reload finished');
      }
      await allStored([...answers, during, ...streamed].map((a) => a.id));
    } finally {
      await second.close();
    }
  } finally {
    await first.close();
  }
});

test('a change of the plugin configuration mid-traffic: no 500s, open streams finish, every trace arrives', { timeout: 120_000 }, async () => {
  const driver = await startKongDriver({ kongYml: kongYml(), pluginsDir: PLUGINS_DIR, env: quietEnv });
  try {
    await waitFor('serves', async () => ((await chat(driver, 'chat')).status === 200 ? true : undefined));
    let firstStreamDoneAt = Infinity;
    // Streams of several seconds (six chunks, 1.5 s apart), so the change surely happens while they run.
    slow.enqueue(...Array.from({ length: 5 }, () => ({ kind: 'ok' as const, chunkGapMs: 1_500 })));
    const streams = Array.from({ length: 5 }, () => chat(driver, 'slow', true).finally(() => (firstStreamDoneAt = Math.min(firstStreamDoneAt, Date.now()))));
    const answers: Array<{ status: number; id: string }> = [];
    let servedAfterChangeAt = 0;
    for (let i = 0; i < 40; i++) {
      if (i === 2) driver.reconfigure(kongYml({ trace_flush_ms: 250, max_body_bytes: 10_000_000 }));
      answers.push(...(await Promise.all(Array.from({ length: 4 }, () => chat(driver, 'chat')))));
      if (i === 2) servedAfterChangeAt = Date.now();
    }
    // The old configuration's worker keeps its streams; the new one serves at once instead of waiting for them.
    assert.ok(servedAfterChangeAt < firstStreamDoneAt, 'requests after the change did not wait for the old streams to end');
    assert.deepEqual(
      answers.filter((a) => a.status !== 200).map((a) => a.status),
      [],
      'every request served across the change',
    );
    const streamed = await Promise.all(streams);
    for (const s of streamed) assert.ok(s.status === 200 && completeStream(s.body), 'streams opened before the change finished');
    assert.ok(
      driver.plugin.startedConfigs.some((c) => c.trace_flush_ms === 250),
      'the new configuration reached the plugin server',
    );
    await allStored([...answers, ...streamed].map((a) => a.id));
  } finally {
    await driver.close();
  }
});
