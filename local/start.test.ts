// `npm start` supervises its parts (the reproductions of "npm start dies with
// its control plane"): a control plane killed under load is started again
// while the gateway keeps serving; SIGTERM with 50 streams open lets every
// stream finish and keeps every trace; a part that cannot start (a port
// taken) or a launcher killed outright leaves no process behind.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../control-plane/config';
import { freePort } from '../control-plane/loaders/free-port';
import { signToken } from '../control-plane/middleware/verify-token';
import { startFakeOpenAI } from '../test/fake-providers/openai';
import { alive, childrenOf, cmdline, descendantsOf, processesOf, threadNiceValues } from '../test/helpers/processes';
import type { FakeProvider } from '../test/fake-providers/scenario';

const ROOT = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Launch {
  child: ChildProcess;
  dataDir: string;
  cpUrl: string;
  gatewayUrl: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function launch(dataDir: string, ports?: { cp: number; gw: number }, waitReady = true): Promise<Launch> {
  const cp = ports?.cp ?? (await freePort());
  const gw = ports?.gw ?? (await freePort());
  // Not MONGODB_URI: the launcher runs its own FerretDB, as `npm start` does.
  const { MONGODB_URI: _omit, ...env } = process.env;
  const child = spawn(process.execPath, [join(ROOT, 'dist/local/start.js')], {
    cwd: ROOT,
    env: {
      ...env,
      NODE_ENV: 'development',
      GATEWAY_DATA_DIR: dataDir,
      CONTROL_PLANE_PORT: String(cp),
      GATEWAY_PORT: String(gw),
      LOG_LEVEL: 'warn',
      LLM_GATEWAY_LOG: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const l = { child, dataDir, cpUrl: `http://127.0.0.1:${cp}`, gatewayUrl: `http://127.0.0.1:${gw}`, output: () => out, exited };
  if (!waitReady) return l;
  for (let i = 0; i < 600 && !out.includes('admin token'); i++) {
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  assert.match(out, /admin token/, `the stack did not start:\n${out}`);
  return l;
}

async function noneLeft(dataDir: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (processesOf(dataDir).length > 0 && Date.now() < deadline) await sleep(100);
  assert.deepEqual(processesOf(dataDir), [], 'no process of the stack is left behind');
}

let fake: FakeProvider;
before(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-launch', chunkGapMs: 300 });
});
after(async () => fake?.close());

function adminApi(l: Launch) {
  const config = loadConfig({ NODE_ENV: 'development', GATEWAY_DATA_DIR: l.dataDir });
  const token = signToken(config.jwt, { sub: 'launcher-test', role: 'admin' }, 3600);
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${l.cpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
}

async function configure(l: Launch): Promise<void> {
  const api = adminApi(l);
  assert.equal((await api('POST', '/api/v1/secrets', { name: 'key', provider: 'openai', value: { apiKey: 'sk-launch' } })).status, 201);
  const endpoint = {
    name: 'chat',
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  };
  assert.equal((await api('POST', '/api/v1/endpoints', endpoint)).status, 201);
  for (let i = 0; i < 100 && (await chat(l, false)).status !== 200; i++) await sleep(100);
}

async function chat(l: Launch, stream: boolean): Promise<{ status: number; id: string; body: string }> {
  try {
    const res = await fetch(`${l.gatewayUrl}/gateway/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', stream, messages: [{ role: 'user', content: 'one two three four five six' }] }),
    });
    return { status: res.status, id: res.headers.get('x-request-id') ?? '', body: await res.text() };
  } catch (err) {
    return { status: 0, id: '', body: String(err) };
  }
}

describe('npm start', { timeout: 300_000 }, () => {
  it('a control plane killed under load is started again; the gateway answers every request meanwhile', async () => {
    const l = await launch(mkdtempSync(join(tmpdir(), 'llmgw-start-')));
    try {
      await configure(l);
      const [cpPid] = childrenOf(l.child.pid!, /control-plane\/main\.js/);
      const [dbPid] = childrenOf(l.child.pid!, /ferretdb/);
      assert.ok(cpPid && dbPid);
      // Background work yields the cores to requests: every thread of both at nice 10, the gateway's at 0.
      for (const pid of [cpPid, dbPid]) assert.deepEqual([...new Set(threadNiceValues(pid))], [10], `threads of ${cmdline(pid).slice(0, 60)}`);
      const gateway = descendantsOf(l.child.pid!).filter((p) => /kong-js-pluginserver|nginx/.test(cmdline(p)));
      assert.ok(gateway.length >= 2, 'nginx and the plugin server');
      for (const pid of gateway) assert.deepEqual([...new Set(threadNiceValues(pid))], [0], `threads of ${cmdline(pid).slice(0, 60)}`);
      const statuses: number[] = [];
      for (let i = 0; i < 400; i += 10) {
        if (i === 100) process.kill(cpPid, 'SIGKILL');
        statuses.push(...(await Promise.all(Array.from({ length: 10 }, () => chat(l, false)))).map((r) => r.status));
      }
      assert.deepEqual(
        statuses.filter((s) => s !== 200),
        [],
        'all 400 served from the cached configuration',
      );
      for (
        let i = 0;
        i < 300 &&
        (await fetch(`${l.cpUrl}/readyz`).then(
          (r) => r.status,
          () => 0,
        )) !== 200;
        i++
      )
        await sleep(100);
      const [again] = childrenOf(l.child.pid!, /control-plane\/main\.js/);
      assert.ok(again && again !== cpPid, 'a new control plane runs');
      assert.deepEqual([...new Set(threadNiceValues(again))], [10], 'the new one at nice 10 too');
      assert.equal(l.child.exitCode, null, 'the launcher lives on');
      assert.deepEqual(childrenOf(l.child.pid!, /ferretdb/), [dbPid], 'the same database, no orphan');
    } finally {
      l.child.kill('SIGTERM');
      await l.exited;
      await noneLeft(l.dataDir);
    }
  });

  it('SIGTERM with 50 streams open: every stream finishes, every trace is kept, nothing is left running', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llmgw-start-'));
    const first = await launch(dataDir);
    let ids: string[];
    try {
      await configure(first);
      const streams = Array.from({ length: 50 }, () => chat(first, true));
      await sleep(500);
      first.child.kill('SIGTERM');
      const done = await Promise.all(streams);
      for (const s of done) {
        assert.equal(s.status, 200);
        assert.ok(s.body.includes('data: [DONE]'), 'the stream ran to its end');
      }
      ids = done.map((s) => s.id);
      assert.equal(await first.exited, 0, first.output());
      await noneLeft(dataDir);
    } finally {
      first.child.kill('SIGKILL');
    }
    const second = await launch(dataDir);
    try {
      const api = adminApi(second);
      const stored = await Promise.all(ids.map((id) => api('GET', `/api/v1/traces/${id}`).then((r) => r.status)));
      assert.deepEqual(stored, Array(50).fill(200), 'all 50 traces kept');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
      await noneLeft(dataDir);
    }
  });

  it('a port already taken: the launcher exits with an error and leaves nothing running', async () => {
    for (const which of ['cp', 'gw'] as const) {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const taken = (blocker.address() as net.AddressInfo).port;
      const dataDir = mkdtempSync(join(tmpdir(), 'llmgw-start-'));
      const ports = { cp: which === 'cp' ? taken : await freePort(), gw: which === 'gw' ? taken : await freePort() };
      const l = await launch(dataDir, ports, false);
      const code = await l.exited;
      blocker.close();
      assert.equal(code, 1, l.output());
      assert.match(l.output(), /EADDRINUSE|in use|exited/);
      await noneLeft(dataDir);
    }
  });

  it('the launcher killed outright (SIGKILL): its parts stop by themselves', async () => {
    const l = await launch(mkdtempSync(join(tmpdir(), 'llmgw-start-')));
    const parts = descendantsOf(l.child.pid!);
    assert.ok(parts.length >= 3, 'database, control plane, Kong stand-in and plugin server');
    // nginx starts the plugin server with a cleared environment (as Kong does): it is found by its parent, not by GATEWAY_DATA_DIR.
    assert.ok(
      parts.some((p) => /kong-js-pluginserver/.test(cmdline(p))),
      'the plugin server is among them',
    );
    l.child.kill('SIGKILL');
    await noneLeft(l.dataDir);
    assert.deepEqual(parts.filter(alive), [], 'every process it had started is gone');
  });
});
