// The database away (the reproduction: with it down, /readyz hung and
// GET /api/v1/traces was a 500 after 10 s): readiness answers within 2 s, API
// requests get 503 `database_unavailable` at once, and everything is back
// when the database is. Killed (connections refused) and stopped (SIGSTOP:
// connections that never answer) are both tried.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { startFerretDB, type RunningFerretDB } from '../../control-plane/loaders/ferretdb';
import { createLogger } from '../../control-plane/logger';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/server';
import { testConfig } from './harness';

let db: RunningFerretDB;
let cp: RunningControlPlane;
const config = testConfig();
const dataDir = mkdtempSync(join(tmpdir(), 'llmgw-db-outage-'));
const token = (role: string) => jwt.sign({ role }, config.jwt.secret!, { audience: 'kong-llm-gateway', subject: 'x', expiresIn: 600 });

before(async () => {
  db = await startFerretDB({ dataDir });
  cp = await startControlPlane({ mongoUri: `${db.uri}outage`, port: 0, config, log: createLogger('silent') });
});
after(async () => {
  await cp?.close();
  await db?.stop();
});

async function timed(path: string, init: RequestInit = {}): Promise<{ status: number; ms: number; body: any }> {
  const started = Date.now();
  const res = await fetch(`${cp.url}${path}`, { ...init, headers: { authorization: `Bearer ${token('admin')}`, ...init.headers } });
  const body = await res.json().catch(() => undefined);
  return { status: res.status, ms: Date.now() - started, body };
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function restartDatabase(): Promise<void> {
  db = await startFerretDB({ dataDir, port: db.port });
  await until('ready again', async () => (await timed('/readyz')).status === 200);
  assert.equal((await timed('/api/v1/traces')).status, 200);
}

describe('the database away', { timeout: 120_000 }, () => {
  it('killed: /readyz within 2 s, API reads and trace ingest 503 database_unavailable at once; back when it is', async () => {
    assert.equal((await timed('/readyz')).status, 200);
    assert.equal((await timed('/api/v1/traces')).status, 200);
    process.kill(db.pid!, 'SIGKILL');
    await db.exited;

    const ready = await timed('/readyz');
    assert.equal(ready.status, 503);
    assert.ok(ready.ms < 2_000, `/readyz answered in ${ready.ms} ms`);
    // The driver notices within a moment; from then on every API request is answered at once.
    await new Promise((r) => setTimeout(r, 1_500));
    for (const path of ['/api/v1/traces', '/api/v1/endpoints', '/api/v1/usage/summary']) {
      const res = await timed(path);
      assert.equal(res.status, 503, path);
      assert.equal(res.body.error.code, 'database_unavailable');
      assert.ok(res.ms < 1_000, `${path} answered in ${res.ms} ms`);
    }
    const ingest = await fetch(`${cp.url}/api/v1/dataplane/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('dataplane')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ traces: [] }),
    });
    assert.equal(ingest.status, 503, 'a data plane holds its traces and retries');
    await restartDatabase();
  });

  it('hung (SIGSTOP): /readyz within 2 s, then API reads 503 at once; back on SIGCONT', async () => {
    process.kill(db.pid!, 'SIGSTOP');
    try {
      const ready = await timed('/readyz');
      assert.equal(ready.status, 503);
      assert.ok(ready.ms < 2_000, `/readyz answered in ${ready.ms} ms`);
      // Noticed within about three seconds (a ping unanswered that long); from then on, answered at once.
      await new Promise((r) => setTimeout(r, 4_500));
      const res = await timed('/api/v1/traces');
      assert.equal(res.status, 503);
      assert.ok(res.ms < 1_000, `answered in ${res.ms} ms`);
    } finally {
      process.kill(db.pid!, 'SIGCONT');
    }
    await until('ready again', async () => (await timed('/readyz')).status === 200);
    await until('reads again', async () => (await timed('/api/v1/traces')).status === 200);
  });
});
