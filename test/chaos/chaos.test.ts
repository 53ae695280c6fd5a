// The chaos suite (issue 11): the whole local stack (`npm start`: FerretDB,
// control plane, Kong stand-in with the real plugin server, each its own
// process) under steady load through the gateway, while each part in turn is
// killed (SIGKILL) or frozen (SIGSTOP), the data-plane worker crashes, and
// the whole stack is stopped (SIGTERM) and started again; then hostile input
// on both ingresses. After each fault:
//   - every request was answered: served, or an error in a documented shape
//     (only the process carrying a request may cut it, when it is killed);
//   - every request the data plane answered left exactly one trace (found by
//     the client's own traceparent), none lost, none doubled;
//   - the budget ledger is consistent: committed = reserved + leased + spent,
//     never over the limit.
// Loopback only; bounded (about four minutes). Results: docs/reliability.md
// (CHAOS_REPORT=docs/reliability.md rewrites its table from this run).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { readStoredTraces } from '../helpers/read-stored-traces';
import { hostileRequests, ingressErrorShape } from './hostile-requests';
import { newTraceparent, oneRequest, steadyLoad, type Outcome } from './load';
import { renderTable, writeReport, type ChaosRow } from './report';
import { ChaosStack, type Part } from './stack';

const CLIENTS = 4;
const WARM_MS = 2_000;
const AFTER_MS = 3_000;
const FUZZ_COUNT = 300;
const FUZZ_SEED = 20_260_101;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let stack: ChaosStack;
let fake: FakeProvider;
const rows: ChaosRow[] = [];
const started = Date.now();

before(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-chaos', chunkGapMs: 40 });
  stack = await ChaosStack.start(mkdtempSync(join(tmpdir(), 'llmgw-chaos-')));
  assert.equal((await stack.api('POST', '/api/v1/secrets', { name: 'key', provider: 'openai', value: { apiKey: 'sk-chaos' } })).status, 201);
  const endpoint = {
    name: 'chat',
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  };
  assert.equal((await stack.api('POST', '/api/v1/endpoints', endpoint)).status, 201);
  // Every request goes through the ledger (slices mostly); it serves on when the ledger is away.
  const budget = { name: 'daily', unit: 'usd', limit: 1000, window: { unit: 'days', size: 1 }, action: 'reject', failOpen: true, scope: { type: 'global' } };
  assert.equal((await stack.api('POST', '/api/v1/budgets', budget)).status, 201);
  for (let i = 0; i < 200 && (await oneRequest(stack.gatewayUrl, 'chat', false)).kind !== 'served'; i++) await sleep(100);
});

after(async () => {
  await stack?.stop();
  await fake?.close();
  const results = process.env.CHAOS_RESULTS ?? join(tmpdir(), 'llm-gateway-chaos.json');
  writeFileSync(results, JSON.stringify({ at: new Date().toISOString(), cpus: cpus().length, seconds: (Date.now() - started) / 1000, rows }, null, 2));
  console.log(`\nchaos results (${results}):\n${renderTable(rows)}\n`);
  if (process.env.CHAOS_REPORT) {
    const meta = `Run of ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores, ${((Date.now() - started) / 1000).toFixed(0)} s in all (fuzz seed ${FUZZ_SEED}).`;
    writeReport(process.env.CHAOS_REPORT, rows, meta);
  }
});

/** Waits for the traces every answered request is due, then counts what is missing and what is doubled. */
async function checkTraces(outcomes: Outcome[]): Promise<{ due: number; lost: number; duplicates: number; missing: Outcome[] }> {
  const due = new Set(outcomes.filter((o) => o.requestId && (o.kind === 'served' || o.kind === 'documented')).map((o) => o.traceparent));
  const all = outcomes.map((o) => o.traceparent);
  const wanted = new Set(all);
  const count = async () => {
    const found = new Map<string, number>();
    for (const t of await readStoredTraces(await stack.database())) {
      if (t.traceparent && wanted.has(t.traceparent)) found.set(t.traceparent, (found.get(t.traceparent) ?? 0) + 1);
    }
    return found;
  };
  const deadline = Date.now() + 90_000;
  let found = await count();
  while ([...due].some((t) => !found.has(t)) && Date.now() < deadline) {
    await sleep(1_000);
    found = await count();
  }
  const missing = outcomes.filter((o) => due.has(o.traceparent) && !found.has(o.traceparent));
  const duplicates = [...found.values()].reduce((sum, n) => sum + (n - 1), 0);
  return { due: due.size, lost: missing.length, duplicates, missing };
}

/** committed = reserved + leased + spent, and committed <= limit, in every window. */
async function checkLedger(): Promise<string> {
  const db = await stack.database();
  const windows = await db.collection('budget_windows').find({}).toArray();
  for (const w of windows) {
    const sum = (w.reserved ?? 0) + (w.leased ?? 0) + (w.spent ?? 0);
    if (Math.abs((w.committed ?? 0) - sum) > 1e-6) return `INCONSISTENT: committed ${w.committed} != ${sum} in ${w.policyId}`;
    if (typeof w.limit === 'number' && w.committed > w.limit) return `OVER LIMIT: ${w.committed} > ${w.limit}`;
  }
  return 'consistent';
}

function summarize(fault: string, outcomes: Outcome[], seconds: number, traces: { due: number; lost: number; duplicates: number }, ledger: string): ChaosRow {
  const by = (k: Outcome['kind']) => outcomes.filter((o) => o.kind === k).length;
  const errors: Record<string, number> = {};
  for (const o of outcomes.filter((x) => x.kind === 'documented')) errors[o.status] = (errors[o.status] ?? 0) + 1;
  return {
    fault,
    seconds,
    clients: CLIENTS,
    requests: outcomes.length,
    served: by('served'),
    documented: by('documented'),
    errors,
    cut: by('cut'),
    refused: by('refused'),
    kong500: by('kong-500'),
    failed: by('failed'),
    tracesDue: traces.due,
    tracesLost: traces.lost,
    duplicates: traces.duplicates,
    ledger,
  };
}

interface Expect {
  /** The fault kills the process carrying requests: those in flight may be cut. */
  mayCut?: boolean;
  /** The whole stack stops: its port refuses connections meanwhile. */
  mayRefuse?: boolean;
  /**
   * The plugin server is away for a moment: an nginx worker with no plugin instance yet answers Kong's
   * own 500 (load.ts, 'kong-500'), but only until the new plugin server serves.
   */
  pluginServerAway?: boolean;
}

async function underLoad(fault: string, inject: () => Promise<void>, expect: Expect = {}): Promise<void> {
  const t0 = Date.now();
  const load = steadyLoad(stack.gatewayUrl, 'chat', CLIENTS);
  await sleep(WARM_MS);
  const faultAt = Date.now();
  await inject();
  await sleep(AFTER_MS);
  const outcomes = await load.stop();
  const seconds = (Date.now() - t0) / 1000;
  // A plugin server started after a crash adopts its predecessor's spool with its first request (Kong
  // tells it its configuration only then): make sure the stack serves again before counting traces.
  await servesAgain();
  const traces = await checkTraces(outcomes);
  const row = summarize(fault, outcomes, seconds, traces, await checkLedger());
  rows.push(row);
  const failures = outcomes.filter((o) => o.kind === 'failed').slice(0, 5);
  if (process.env.CHAOS_VERBOSE) writeFileSync(join(tmpdir(), `chaos-${rows.length}.log`), stack.output);
  assert.equal(row.failed, 0, `${fault}: undocumented answers: ${JSON.stringify(failures)}`);
  if (!expect.mayCut) assert.equal(row.cut, 0, `${fault}: requests cut`);
  if (!expect.mayRefuse) assert.equal(row.refused, 0, `${fault}: connections refused`);
  if (!expect.pluginServerAway) assert.equal(row.kong500, 0, `${fault}: Kong's own 500s`);
  if (!expect.mayRefuse) {
    // Only while the plugin server is away: from the fault until the first request its successor served.
    const back = outcomes.filter((o) => o.kind === 'served' && o.startedAt >= faultAt).reduce((t, o) => Math.min(t, o.endedAt), Date.now());
    const late = outcomes.filter((o) => o.kind === 'kong-500' && (o.startedAt < faultAt || o.startedAt > back));
    assert.deepEqual(late, [], `${fault}: Kong's 500 outside the plugin server's absence (${faultAt}..${back})`);
  }
  assert.ok(row.served > 0, `${fault}: served nothing`);
  assert.equal(row.tracesLost, 0, `${fault}: traces lost: ${JSON.stringify(traces.missing.slice(0, 5))} (fault at ${faultAt})`);
  assert.equal(row.duplicates, 0, `${fault}: traces doubled`);
  assert.equal(row.ledger, 'consistent');
}

async function servesAgain(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await oneRequest(stack.gatewayUrl, 'chat', false)).kind === 'served') return;
    await sleep(100);
  }
  throw new Error('the stack does not serve again');
}

async function killAndAwait(part: Part): Promise<void> {
  const pid = stack.pid(part)!;
  assert.ok(pid, `${part} runs`);
  process.kill(pid, 'SIGKILL');
  await stack.restarted(part, pid);
}

async function freeze(part: Part, ms: number): Promise<void> {
  const pid = stack.pid(part)!;
  assert.ok(pid, `${part} runs`);
  process.kill(pid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

describe('chaos: faults under steady load', { timeout: 600_000 }, () => {
  it('no fault (baseline)', () => underLoad('none (baseline)', () => sleep(4_000)));
  it('FerretDB SIGKILL', () => underLoad('FerretDB SIGKILL (restarted by npm start)', () => killAndAwait('FerretDB')));
  it('FerretDB SIGSTOP', () => underLoad('FerretDB SIGSTOP 5 s', () => freeze('FerretDB', 5_000)));
  it('control plane SIGKILL', () => underLoad('control plane SIGKILL (restarted)', () => killAndAwait('control plane')));
  it('control plane SIGSTOP', () => underLoad('control plane SIGSTOP 5 s', () => freeze('control plane', 5_000)));
  it('plugin server SIGKILL', () =>
    underLoad('plugin server SIGKILL (restarted, as Kong does)', () => killAndAwait('plugin server'), { mayCut: true, pluginServerAway: true }));
  it('plugin server SIGSTOP', () => underLoad('plugin server SIGSTOP 3 s', () => freeze('plugin server', 3_000)));
  it('data worker crash', () =>
    underLoad(
      'data-plane worker crash',
      async () => {
        process.kill(stack.pid('plugin server')!, 'SIGUSR2');
        await sleep(1_000);
      },
      { mayCut: true },
    ));
  it('whole stack SIGTERM, then started again', () =>
    underLoad(
      'whole stack SIGTERM (npm start), started again',
      async () => {
        assert.equal(await stack.stop(), 0, 'a clean exit');
        await sleep(1_000);
        await stack.launch();
      },
      { mayRefuse: true, pluginServerAway: true },
    ));
});

describe('chaos: hostile input on both ingresses', { timeout: 300_000 }, () => {
  it(`${FUZZ_COUNT} generated requests get documented answers, and every later trace arrives`, async () => {
    const t0 = Date.now();
    const outcomes: Outcome[] = [];
    const bad: string[] = [];
    const requests = hostileRequests(FUZZ_COUNT, FUZZ_SEED);
    for (let i = 0; i < requests.length; i += 6) {
      await Promise.all(
        requests.slice(i, i + 6).map(async (r) => {
          const traceparent = newTraceparent();
          const startedAt = Date.now();
          const res = await fetch(`${stack.gatewayUrl}${r.path}`, {
            method: r.method,
            headers: { traceparent, ...(r.contentType ? { 'content-type': r.contentType } : {}) },
            body: r.body,
            signal: AbortSignal.timeout(30_000),
          }).catch((err: Error) => err);
          if (res instanceof Error) {
            bad.push(`${r.method} ${r.path}: no answer (${res.message})`);
            outcomes.push({ kind: 'failed', status: 0, stream: false, traceparent, startedAt, endedAt: Date.now() });
            return;
          }
          const body = await res.text();
          const requestId = res.headers.get('x-request-id') ?? undefined;
          const ok =
            res.status === 200 ||
            (res.status >= 400 && res.status < 500 && ingressErrorShape(r.ingress, body)) ||
            (res.status >= 502 && ingressErrorShape(r.ingress, body));
          if (!ok) bad.push(`${r.method} ${r.path} ${r.contentType ?? '-'} ${(r.body ?? '').slice(0, 120)} -> ${res.status} ${body.slice(0, 200)}`);
          // Model lookups (GET /models/{id}) leave no trace; chat and embeddings calls leave one each.
          const traced = r.method === 'POST' ? requestId : undefined;
          outcomes.push({
            kind: ok ? (res.status === 200 ? 'served' : 'documented') : 'failed',
            status: res.status,
            stream: false,
            traceparent,
            requestId: traced,
            startedAt,
            endedAt: Date.now(),
          });
        }),
      );
    }
    // Then ordinary traffic: tracing must still work for everything after the hostile input.
    for (let i = 0; i < 50; i++) outcomes.push(await oneRequest(stack.gatewayUrl, 'chat', i % 3 === 0));
    const row = summarize(
      `hostile input, ${FUZZ_COUNT} generated requests (both ingresses), then 50 ordinary`,
      outcomes,
      (Date.now() - t0) / 1000,
      await checkTraces(outcomes),
      await checkLedger(),
    );
    row.clients = 6;
    rows.push(row);
    assert.deepEqual(bad, [], 'every hostile request gets a documented answer');
    assert.equal(row.tracesLost, 0);
    assert.equal(row.duplicates, 0);
    assert.equal(row.ledger, 'consistent');
  });
});
