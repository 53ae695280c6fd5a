// N data-plane workers per plugin configuration (data_workers: 2): requests
// land on both, a crash of one costs the other nothing, a stop drains both,
// and the traces of both arrive exactly once. The pool runs in this process
// (the compiled module, as the plugin server loads it) against a real
// control plane and a fake provider; requests go straight to the workers'
// data servers with tickets from the pool, as Kong would send them.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type * as DataWorkers from '../../plugin/workers/data-workers';
import type * as SpareWorker from '../../plugin/workers/spare-worker';
import type { PluginConfig } from '../../plugin/schema';
import { TICKET_HEADER } from '../../plugin/server/tickets';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

// The workers inherit this environment: quiet, and allowed to dial the loopback fake.
process.env.LLM_GATEWAY_LOG ??= 'silent';
process.env.LLM_GATEWAY_OUTBOUND_ALLOW = 'loopback';
process.env.LLM_GATEWAY_FAULT_INJECTION = 'crash-workers-on-sigusr2'; // workers obey `crash`
// The built data workers, whose threads load dist files (not the tsx sources).
/* eslint-disable @typescript-eslint/no-require-imports */
const { poolFor } = require(resolve(__dirname, '../../dist/plugin/workers/data-workers.js')) as typeof DataWorkers;
const { liveWorkers } = require(resolve(__dirname, '../../dist/plugin/workers/spare-worker.js')) as typeof SpareWorker;
/* eslint-enable @typescript-eslint/no-require-imports */

let stack: Stack;
let fake: FakeProvider;
let config: PluginConfig;

before(async () => {
  [stack, fake] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-workers' })]);
  await createSecret(stack, 'key', 'openai', { apiKey: 'sk-workers' });
  await putEndpoint(stack, {
    name: 'chat',
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'm', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  });
  config = {
    control_plane_url: stack.controlPlane.url,
    dataplane_token: stack.dataplaneToken,
    control_plane_timeout_ms: 2000,
    config_wait_seconds: 5,
    data_host: '127.0.0.1',
    data_port: 0,
    state_dir: mkdtempSync(join(tmpdir(), 'llmgw-workers-')),
    max_body_bytes: 1024 * 1024,
    trace_flush_ms: 100,
    trace_spool_max: 1000,
    identify_consumer: false,
    shutdown_grace_seconds: 20,
    data_workers: 2,
    conversation_cache_mib: 64,
  };
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

/** One request as Kong would forward it: the access phase's pick and ticket, then the data server. */
async function chat(cfg: PluginConfig, content: string, stream = false): Promise<{ port: number; status: number; id: string; body: string }> {
  const worker = await poolFor(cfg).pick();
  const res = await fetch(`http://127.0.0.1:${worker.port}/gateway/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TICKET_HEADER]: worker.tickets.issue({ startedAt: performance.now() }) },
    body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content }] }),
  });
  return { port: worker.port, status: res.status, id: res.headers.get('x-request-id') ?? '', body: await res.text() };
}

async function storedIds(): Promise<string[]> {
  const res = await stack.api<{ items: Array<{ id: string }> }>('GET', '/api/v1/traces?endpoint=chat&limit=200');
  return res.body.items.map((t) => t.id);
}

test(
  'two workers: requests land on both, a crash of one fails nothing on the other, a stop drains both, every trace arrives once',
  { timeout: 120_000 },
  async () => {
    const pool = poolFor(config);
    assert.equal(pool.size, 2);
    await waitFor('serving', async () => ((await chat(config, 'warm')).status === 200 ? true : undefined), 20_000, 100);
    await waitFor('both workers started', async () => (pool.ready().length === 2 ? true : undefined), 20_000, 100);

    const answered = [];
    for (let i = 0; i < 6; i++) answered.push(await chat(config, `round ${i}`));
    assert.deepEqual(new Set(answered.map((a) => a.status)), new Set([200]));
    assert.equal(new Set(answered.map((a) => a.port)).size, 2, 'requests land on both workers');

    // A stream open on one worker while the other crashes (its thread ends: no drain, no flush).
    const [a, b] = pool.ready();
    fake.enqueue({ kind: 'ok', text: 'one two three four', chunkGapMs: 300 });
    const streamWorker = await pool.pick();
    const crashed = streamWorker === a ? b! : a!;
    const streamed = fetch(`http://127.0.0.1:${streamWorker.port}/gateway/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TICKET_HEADER]: streamWorker.tickets.issue({ startedAt: performance.now() }) },
      body: JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'long' }] }),
    }).then(async (res) => ({ status: res.status, id: res.headers.get('x-request-id') ?? '', body: await res.text() }));
    await new Promise((r) => setTimeout(r, 200));
    const crashedThread = [...liveWorkers].find((w) => w.threadId === crashed.threadId)!;
    const crashExit = new Promise<number>((r) => crashedThread.once('exit', r));
    crashedThread.postMessage({ type: 'crash' });
    assert.equal(await crashExit, 1, 'the worker crashed (uncaught error)');
    const afterCrash = [];
    for (let i = 0; i < 6; i++) afterCrash.push(await chat(config, `after crash ${i}`));
    assert.deepEqual(new Set(afterCrash.map((r) => r.status)), new Set([200]), 'no request failed after the crash');
    const stream = await streamed;
    assert.equal(stream.status, 200);
    assert.ok(stream.body.includes('data: [DONE]'), 'the stream on the other worker ran to its end');
    await waitFor('the crashed worker replaced', async () => (pool.ready().length === 2 && !pool.ready().includes(crashed) ? true : undefined), 20_000, 100);

    // Stop with a stream open on each worker: both drain.
    fake.enqueue({ kind: 'ok', text: 'a b c', chunkGapMs: 300 }, { kind: 'ok', text: 'd e f', chunkGapMs: 300 });
    const open = [chat(config, 'drain 1', true), chat(config, 'drain 2', true)];
    await new Promise((r) => setTimeout(r, 200));
    const stoppedThreads = pool.ready().map((f) => [...liveWorkers].find((w) => w.threadId === f.threadId)!);
    const exitCodes = stoppedThreads.map((w) => new Promise<number>((r) => w.once('exit', r)));
    await pool.stop(20_000);
    // Each ended its own thread (code 0): terminated from outside (code 1), a thread busy in its HTTP parser can abort the process.
    assert.deepEqual(await Promise.all(exitCodes), [0, 0]);
    const drained = await Promise.all(open);
    assert.equal(new Set(drained.map((d) => d.port)).size, 2, 'one stream on each worker');
    for (const d of drained) assert.ok(d.body.includes('data: [DONE]'), 'each stream finished before its worker stopped');

    // Every answered request's trace, from every worker (the crashed one's from its spool, adopted by a later worker), once.
    const ids = [...answered, ...afterCrash, stream, ...drained].map((r) => r.id);
    const next = poolFor({ ...config, trace_flush_ms: 200 }); // a later worker adopts what the crashed one left in its spool
    await next.pick();
    const stored = await waitFor(
      'every trace stored',
      async () => {
        const have = await storedIds();
        return ids.every((id) => have.includes(id)) ? have : undefined;
      },
      40_000,
      300,
    );
    const counts = new Map<string, number>();
    for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.deepEqual(
      ids.filter((id) => counts.get(id) !== 1),
      [],
      'each trace stored exactly once',
    );
    await next.stop(0);
  },
);

test(
  'two workers behind Kong: each spools into a file of its own, and after SIGKILL the next plugin server delivers every trace once',
  { timeout: 120_000 },
  async () => {
    const node = await startStack({ plugin: { data_workers: 2 } });
    try {
      await createSecret(node, 'key', 'openai', { apiKey: 'sk-workers' });
      await putEndpoint(node, {
        name: 'chat',
        kind: 'chat',
        destinations: [{ id: 'oai', provider: 'openai', model: 'm', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
      });
      const viaKong = async (content: string) => {
        const res = await fetch(`${node.openaiBaseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content }] }),
        });
        await res.arrayBuffer();
        return { status: res.status, id: res.headers.get('x-request-id') ?? '' };
      };
      await waitFor('serving', async () => ((await viaKong('warm')).status === 200 ? true : undefined), 20_000, 100);
      // Both workers up (each opens its spool as it starts; the second starts once the first is ready) and configured.
      const spoolFiles = () => readdirSync(node.stateDir).filter((f) => /^traces-\d+-[0-9a-f]+\.jsonl$/.test(f));
      await waitFor('both workers started', async () => (spoolFiles().length === 2 ? true : undefined), 20_000, 100);
      await waitFor('both serving', async () => ((await viaKong('w1')).status === 200 && (await viaKong('w2')).status === 200 ? true : undefined), 20_000, 100);
      await node.stopControlPlane();
      const answered: Array<{ status: number; id: string }> = [];
      for (let i = 0; i < 12; i++) answered.push(await viaKong(`spooled ${i}`));
      assert.deepEqual(new Set(answered.map((a) => a.status)), new Set([200]));
      const spools = spoolFiles();
      const withLines = spools.filter((f) => {
        const lines = readFileSync(join(node.stateDir, f), 'utf8');
        return answered.some((a) => lines.includes(a.id));
      });
      assert.equal(withLines.length, 2, `both workers served and each wrote its own spool file (${spools.join(', ')})`);

      process.kill(node.driver.pluginServerPid()!, 'SIGKILL');
      await node.startControlPlaneAgain();
      // Kong starts a new plugin server; its workers adopt both spool files.
      await waitFor('serving again', async () => ((await viaKong('again')).status === 200 ? true : undefined), 20_000, 200);
      const ids = answered.map((a) => a.id);
      const stored = await waitFor(
        'every trace stored',
        async () => {
          const have = (await node.api<{ items: Array<{ id: string }> }>('GET', '/api/v1/traces?endpoint=chat&limit=200')).body.items.map((t) => t.id);
          return ids.every((id) => have.includes(id)) ? have : undefined;
        },
        40_000,
        300,
      );
      assert.deepEqual(
        ids.filter((id) => stored.filter((s) => s === id).length !== 1),
        [],
        'each trace stored exactly once',
      );
    } finally {
      await node.close();
    }
  },
);
