// The process around the API: configuration rules, the token CLI, logging
// hygiene, and graceful shutdown of the real entry point.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { ConfigError, loadConfig } from '../../control-plane/config';
import { createLogger } from '../../control-plane/logger';
import { lowerPriority } from '../../control-plane/process-priority';
import { testDbUri } from '../helpers/db';
import { threadNiceValues } from '../helpers/processes';
import { chatEndpoint, openaiSecret, startHarness } from './harness';

const root = path.resolve(__dirname, '../..');
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cp-process-'));
const KEK = Buffer.alloc(32, 7).toString('base64');

describe('configuration', () => {
  it('local mode generates a JWT secret and KEK into the data dir, warns, and reuses them', () => {
    const dir = tmpDir();
    const first = loadConfig({ NODE_ENV: 'development', GATEWAY_DATA_DIR: dir });
    assert.equal(first.warnings.length, 2);
    assert.match(first.warnings.join('\n'), /JWT_SECRET is not set/);
    assert.match(first.warnings.join('\n'), /GATEWAY_KEK is not set/);
    assert.equal((fs.statSync(path.join(dir, 'kek')).mode & 0o777).toString(8), '600');
    const second = loadConfig({ NODE_ENV: 'development', GATEWAY_DATA_DIR: dir });
    assert.equal(second.jwt.secret, first.jwt.secret);
    assert.deepEqual(second.kek.current.key, first.kek.current.key);
    assert.equal(first.port, 8080);
    assert.equal(first.jwt.audience, 'kong-llm-gateway');
  });

  it('production refuses to start without JWT_SECRET, GATEWAY_KEK or MONGODB_URI', () => {
    const dir = tmpDir();
    const prod = { NODE_ENV: 'production', GATEWAY_DATA_DIR: dir, JWT_SECRET: 's', GATEWAY_KEK: KEK, MONGODB_URI: 'mongodb://db/x' };
    assert.doesNotThrow(() => loadConfig(prod));
    assert.throws(
      () => loadConfig({ ...prod, JWT_SECRET: '' }),
      (e) => e instanceof ConfigError && /JWT_SECRET/.test(e.message),
    );
    assert.throws(() => loadConfig({ ...prod, GATEWAY_KEK: '' }), /GATEWAY_KEK/);
    assert.throws(() => loadConfig({ ...prod, MONGODB_URI: '' }), /MONGODB_URI/);
    assert.deepEqual(fs.readdirSync(dir), [], 'production never writes keys to disk');
  });

  it('validates keys and parses previous KEKs', () => {
    assert.throws(() => loadConfig({ JWT_SECRET: 's', GATEWAY_KEK: 'c2hvcnQ=' }), /exactly 32 bytes/);
    const c = loadConfig({ JWT_SECRET: 's', GATEWAY_KEK: KEK, GATEWAY_KEK_VERSION: '3', GATEWAY_KEK_PREVIOUS: `2:${Buffer.alloc(32, 1).toString('base64')}` });
    assert.equal(c.kek.current.version, 3);
    assert.equal(c.kek.previous[0]!.version, 2);
    assert.throws(() => loadConfig({ JWT_SECRET: 's', GATEWAY_KEK: KEK, GATEWAY_KEK_PREVIOUS: `1:${KEK}` }), /must not contain the current/);
  });

  it('GATEWAY_NICE: 0 to 19, unset is 0', () => {
    const base = { JWT_SECRET: 's', GATEWAY_KEK: KEK };
    assert.equal(loadConfig(base).nice, 0);
    assert.equal(loadConfig({ ...base, GATEWAY_NICE: '10' }).nice, 10);
    for (const bad of ['-5', '20', 'low', '2.5'])
      assert.throws(() => loadConfig({ ...base, GATEWAY_NICE: bad }), /GATEWAY_NICE must be an integer from 0 to 19/);
  });

  it('GATEWAY_INGEST_GROUP_TRACES: 1000 to 200000, unset leaves the flusher its default', () => {
    const base = { JWT_SECRET: 's', GATEWAY_KEK: KEK };
    assert.equal(loadConfig(base).ingestGroupTraces, undefined);
    assert.equal(loadConfig({ ...base, GATEWAY_INGEST_GROUP_TRACES: '40000' }).ingestGroupTraces, 40_000);
    for (const bad of ['999', '200001', 'big', '2500.5'])
      assert.throws(() => loadConfig({ ...base, GATEWAY_INGEST_GROUP_TRACES: bad }), /GATEWAY_INGEST_GROUP_TRACES must be an integer from 1000 to 200000/);
  });
});

describe('process priority', () => {
  it('lowers every thread of a process, those it started before included, and those started after inherit it', async () => {
    // A process with threads of its own before the call (V8's and a worker), and one more worker started after it.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const { Worker } = require('node:worker_threads');
         const park = () => new Worker('setInterval(() => {}, 1000)', { eval: true });
         park();
         process.stdin.once('data', () => { park(); setTimeout(() => process.stdout.write('more\\n'), 300); });
         setTimeout(() => process.stdout.write('up\\n'), 300);`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const line = () => new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
      assert.equal(await line(), 'up');
      const before = threadNiceValues(child.pid!);
      assert.ok(before.length > 3 && before.every((n) => n === 0), `threads before: ${before.join()}`);
      lowerPriority(child.pid!, 7);
      assert.deepEqual([...new Set(threadNiceValues(child.pid!))], [7]);
      child.stdin.write('go\n');
      assert.equal(await line(), 'more');
      const after = threadNiceValues(child.pid!);
      assert.ok(after.length > before.length, 'a thread started after the call');
      assert.deepEqual([...new Set(after)], [7]);
    } finally {
      child.kill('SIGKILL');
    }
  });
  it('lowers the threads started while it runs by threads it had not lowered yet', async () => {
    // As FerretDB's Go runtime does: threads start at any time. 300 parked
    // threads come first in /proc's list; the last thread then starts a new
    // one every 0.2 ms for 150 ms, so threads it starts before its own turn
    // are started at nice 0, after the list was read.
    const child = spawn(
      'python3',
      [
        '-c',
        `import sys, threading, time
park = lambda: time.sleep(30)
for _ in range(300): threading.Thread(target=park, daemon=True).start()
def spawner():
    sys.stdin.readline()
    sys.stdout.write('spawning\\n'); sys.stdout.flush()
    end = time.time() + 0.15
    while time.time() < end:
        threading.Thread(target=park, daemon=True).start(); time.sleep(0.0002)
    sys.stdout.write('done\\n'); sys.stdout.flush()
threading.Thread(target=spawner, daemon=True).start()
sys.stdout.write('up\\n'); sys.stdout.flush()
time.sleep(30)`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const line = async () => (await lines.next()).value as string;
      assert.equal(await line(), 'up');
      child.stdin.write('go\n');
      assert.equal(await line(), 'spawning');
      lowerPriority(child.pid!, 9);
      assert.equal(await line(), 'done');
      const after = threadNiceValues(child.pid!);
      assert.ok(after.length > 350, `threads started meanwhile: ${after.length}`);
      assert.deepEqual([...new Set(after)], [9]);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('token CLI', () => {
  it('prints a token the control plane accepts (same secret, audience, role, ttl)', () => {
    const env = { ...process.env, JWT_SECRET: 'cli-secret', JWT_AUDIENCE: 'aud-x', GATEWAY_KEK: KEK, NODE_ENV: 'development' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'control-plane/cli/token.ts', '--role', 'viewer', '--sub', 'alice', '--ttl', '2h'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const claims = jwt.verify(run.stdout.trim(), 'cli-secret', { algorithms: ['HS256'], audience: 'aud-x' }) as jwt.JwtPayload;
    assert.equal(claims.role, 'viewer');
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.exp! - claims.iat!, 7200);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'control-plane/cli/token.ts', '--role', 'root'], { cwd: root, env, encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--role must be admin, viewer or dataplane/);
    // A token the control plane would refuse is not minted at all.
    const tooLong = spawnSync(process.execPath, ['--import', 'tsx', 'control-plane/cli/token.ts', '--role', 'admin', '--ttl', '30d'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    assert.notEqual(tooLong.status, 0);
    assert.match(tooLong.stderr, /longer than the control plane accepts for role admin/);
    const dataplane = spawnSync(process.execPath, ['--import', 'tsx', 'control-plane/cli/token.ts', '--role', 'dataplane', '--ttl', '365d'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    assert.equal(dataplane.status, 0, dataplane.stderr);
  });
});

describe('logging', () => {
  it('logs requests with ids but never tokens or secret values', async () => {
    let logged = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((logged += chunk), done()) });
    const h = await startHarness({ log: createLogger('info', sink) });
    try {
      const token = h.token('admin');
      await h.http.post('/api/v1/secrets').set('Authorization', `Bearer ${token}`).set('x-request-id', 'req-1').send(openaiSecret()).expect(201);
      await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint()).expect(201);
      await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
      await h.http.get('/api/v1/secrets').set('Authorization', 'Bearer forged.token.value').expect(401);
    } finally {
      await h.close();
    }
    const lines = logged
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.some((l) => l.requestId === 'req-1' && l.path === '/api/v1/secrets' && l.status === 201));
    assert.ok(!logged.includes('sk-test-0123456789abcdef'), 'secret value logged');
    assert.ok(!logged.includes('Bearer'), 'authorization header logged');
    assert.ok(!logged.includes('forged.token.value'));
  });

  it('keeps machine chatter (data-plane polls, probes, scrapes) at debug so a person sees only what people did', async () => {
    let logged = '';
    const sink = new Writable({ write: (chunk, _enc, done) => ((logged += chunk), done()) });
    const h = await startHarness({ log: createLogger('info', sink) });
    try {
      await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
      await h.http.get('/readyz');
      await h.http.get('/healthz');
      await h.as('viewer').get('/metrics').expect(200);
      await h.as('admin').get('/api/v1/endpoints').expect(200);
    } finally {
      await h.close();
    }
    const paths = logged
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { path?: string })
      .flatMap((l) => (l.path ? [l.path] : []));
    assert.deepEqual(paths, ['/api/v1/endpoints']);
  });
});

describe('process entry (main.ts)', () => {
  it('shuts down gracefully on SIGTERM: a held long poll is answered, then exit 0', async () => {
    const { uri } = testDbUri('main');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = {
      ...process.env,
      NODE_ENV: 'development',
      MONGODB_URI: uri,
      CONTROL_PLANE_PORT: String(port),
      JWT_SECRET: 'main-secret',
      GATEWAY_KEK: KEK,
      LOG_LEVEL: 'info',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'control-plane/main.ts'], { cwd: root, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 100 && !out.includes('control plane listening'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /control plane listening/);

    const token = jwt.sign({ role: 'dataplane' }, 'main-secret', { audience: 'kong-llm-gateway', subject: 'dp', expiresIn: '1h' });
    const base = `http://127.0.0.1:${port}/api/v1/dataplane/snapshot`;
    const first = await fetch(base, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag')!;
    const held = fetch(`${base}?wait=20`, { headers: { authorization: `Bearer ${token}`, 'if-none-match': etag } });
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    child.kill('SIGTERM');
    const res = await held;
    assert.equal(res.status, 304, 'the held long poll is released with 304, not dropped');
    assert.equal(await exited, 0, out);
    assert.ok(Date.now() - signalled < 5000);
    assert.match(out, /shutting down/);
  });
});
