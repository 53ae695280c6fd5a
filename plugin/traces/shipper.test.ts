// The trace shipper against the real control plane: a trace that can never
// be stored goes to the dead-letter file and does not hold back the ones
// behind it; a control plane that refuses whole batches (an older version)
// gets the culprit split out; spool files of dead or paused processes are
// adopted, nothing lost and nothing stored twice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../../test/control-plane/harness';
import { collectionNames, partition } from '../../test/helpers/db';
import type { Trace } from '../contract';
import { DEAD_LETTER_FILE } from './dead-letter';
import { TraceShipper, type ShipperOptions } from './shipper';

process.env.LLM_GATEWAY_LOG ??= 'silent';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

function trace(overrides: Partial<Trace> = {}): Trace {
  return {
    id: randomUUID(),
    time: new Date().toISOString(),
    endpoint: 'chat',
    kind: 'chat',
    user: 'u',
    ingress: 'openai',
    stream: false,
    status: 200,
    attempts: [],
    latencyMs: 1,
    overheadMs: 1,
    ...overrides,
  };
}

function shipper(stateDir: string, overrides: Partial<ShipperOptions> = {}): TraceShipper {
  return new TraceShipper({
    controlPlaneUrl: h.cp.url,
    token: h.token('dataplane'),
    timeoutMs: 5_000,
    flushMs: 50,
    maxQueued: 10_000,
    batchSize: 100,
    stateDir,
    heartbeatMs: 100,
    staleMs: 1_000,
    ...overrides,
  });
}

/** Traces stored with these ids (the control plane keeps them in one partition per day: traces_YYYYMMDD). */
async function stored(ids: string[]): Promise<number> {
  let n = 0;
  for (const name of await collectionNames(h.db)) {
    if (/^traces_\d{8}$/.test(name)) n += await (await partition(h.db, name)).countDocuments({ _id: { $in: ids } } as never);
  }
  return n;
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('trace shipper', () => {
  it('a trace the control plane can never store is dead-lettered; the 400 behind it arrive, once each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-ship-'));
    const s = shipper(dir);
    await s.start();
    // An id the schema refuses: no bounding can fix it.
    const bad = trace({ id: 'not a valid trace id!' });
    s.enqueue(bad);
    const good = Array.from({ length: 400 }, () => trace());
    for (const t of good) s.enqueue(t);
    await until('400 delivered', async () => (await stored(good.map((t) => t.id))) === 400);
    assert.equal(s.deadLettered, 1);
    const letters = readFileSync(join(dir, DEAD_LETTER_FILE), 'utf8').trim().split('\n');
    assert.equal(letters.length, 1);
    const letter = JSON.parse(letters[0]!) as { reason: string; trace: Trace };
    assert.equal(letter.trace.id, bad.id);
    assert.match(letter.reason, /^id: /);
    await s.stop();
    assert.equal(await stored([...good.map((t) => t.id), bad.id]), 400);
    const metrics = await h.as('viewer').get('/metrics').expect(200);
    assert.match(metrics.text, /llm_gateway_traces_rejected_total 1\b/);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('traces-')),
      [],
      'a clean stop with everything delivered leaves no spool file',
    );
  });

  it('a control plane that refuses the whole batch: the batch is split until the bad trace stands alone', async () => {
    // An older control plane validated batches as a whole (400 naming one trace).
    const seen: string[] = [];
    const oldControlPlane = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const traces = (JSON.parse(body) as { traces: Trace[] }).traces;
        if (traces.some((t) => t.user === 'poison')) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"validation_failed","message":"body.traces[3].user: nope"}}');
          return;
        }
        seen.push(...traces.map((t) => t.id));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: traces.length, duplicates: 0 }));
      });
    });
    await new Promise<void>((r) => oldControlPlane.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-ship-'));
    const s = shipper(dir, { controlPlaneUrl: `http://127.0.0.1:${(oldControlPlane.address() as AddressInfo).port}` });
    await s.start();
    const traces = Array.from({ length: 250 }, (_, i) => trace({ user: i === 137 ? 'poison' : 'ok' }));
    for (const t of traces) s.enqueue(t);
    await until('all but one delivered', () => seen.length === 249);
    await until('dead-lettered', () => s.deadLettered === 1);
    assert.equal(new Set(seen).size, 249);
    assert.ok(!seen.includes(traces[137]!.id));
    await s.stop();
    oldControlPlane.close();
  });

  it('holds traces while the control plane fails (503), then delivers every one', async () => {
    let failing = true;
    const received = new Set<string>();
    const flaky = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (failing) return void res.writeHead(503).end('{"error":{"code":"database_unavailable","message":"down"}}');
        for (const t of (JSON.parse(body) as { traces: Trace[] }).traces) received.add(t.id);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1,"duplicates":0,"rejected":[]}');
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-ship-'));
    const s = shipper(dir, { controlPlaneUrl: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}` });
    await s.start();
    const traces = Array.from({ length: 30 }, () => trace());
    for (const t of traces) s.enqueue(t);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(s.pending(), 30, 'a failing control plane is an outage, not a reason to drop or dead-letter');
    assert.equal(s.deadLettered, 0);
    failing = false;
    await until('delivered after the outage', () => received.size === 30, 20_000);
    await s.stop();
    flaky.close();
  });

  it('adopts the spool file of a process that died (SIGKILL) and delivers its traces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-ship-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const orphan = Array.from({ length: 20 }, () => trace());
    const torn = '{"id":"torn-half-line';
    writeFileSync(join(dir, `traces-${dead.stdout}-abcdef.jsonl`), orphan.map((t) => JSON.stringify(t)).join('\n') + '\n' + torn);
    const s = shipper(dir, { staleMs: 60_000 }); // adoption by the dead pid, not by staleness
    await s.start();
    await until('orphaned traces delivered', async () => (await stored(orphan.map((t) => t.id))) === 20);
    assert.ok(!existsSync(join(dir, `traces-${dead.stdout}-abcdef.jsonl`)));
    await s.stop();
  });

  it('a stop with the control plane away releases the spool; the next shipper delivers it, each trace once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-ship-'));
    const away = shipper(dir, { controlPlaneUrl: 'http://127.0.0.1:9', staleMs: 60_000 });
    await away.start();
    const traces = Array.from({ length: 50 }, () => trace());
    for (const t of traces) away.enqueue(t);
    await away.stop(300);
    assert.equal(readdirSync(dir).filter((f) => f.startsWith('traces-released-')).length, 1);
    const next = shipper(dir, { staleMs: 60_000 });
    await next.start();
    await until('released traces delivered', async () => (await stored(traces.map((t) => t.id))) === 50);
    await next.stop();
  });

  it('an owner paused long enough to be adopted writes its queue afresh: nothing lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-ship-'));
    // The owner cannot reach the control plane, so everything stays in its queue.
    const owner = shipper(dir, { controlPlaneUrl: 'http://127.0.0.1:9', heartbeatMs: 60_000, staleMs: 60_000 });
    await owner.start();
    const first = Array.from({ length: 10 }, () => trace());
    for (const t of first) owner.enqueue(t);
    // Another process adopts the owner's file: the owner paused past the stale time (its last heartbeat a minute old).
    // Not staleMs 0 on a fresh file: the file time may be a fraction of a millisecond ahead of Date.now(), and then it is not stale.
    const paused = new Date(Date.now() - 60_000);
    utimesSync(owner.spoolFile, paused, paused);
    const adopter = shipper(dir, { staleMs: 30_000, heartbeatMs: 60_000 });
    await adopter.start();
    await until('adopted traces delivered', async () => (await stored(first.map((t) => t.id))) === 10);
    assert.ok(!existsSync(owner.spoolFile));
    // The owner notices on its next heartbeat and re-spools its whole queue.
    const later = trace();
    owner.enqueue(later);
    (owner as unknown as { heartbeat(): void }).heartbeat();
    const respooled = readFileSync(owner.spoolFile, 'utf8').trim().split('\n');
    assert.equal(respooled.length, 11);
    await owner.stop(100);
    await adopter.stop();
    const last = shipper(dir, { staleMs: 60_000 });
    await last.start();
    await until('the paused owner’s traces delivered', async () => (await stored([...first, later].map((t) => t.id))) === 11);
    await last.stop();
  });
});
