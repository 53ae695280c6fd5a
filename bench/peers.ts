// The other LLM gateways, measured beside ours in the `peers` scenario, each
// installed by scripts/bench-peers-env.sh into a project-local folder and
// pointed at the same fake provider:
//   mlflow-gateway   `mlflow gateway start` (YAML routes), bench/mlflow.ts
//   mlflow-server    the database-backed AI gateway inside `mlflow server`
//                    (endpoint created through its REST API; every call traced)
//   litellm          `litellm --config` proxy, litellm[proxy]==1.80.0
//   portkey          @portkey-ai/gateway's Node server (build/start-server.js)
// Each runs with one worker, and (`BENCH_PEER_PRODUCTION=1`) also in its
// documented production setting where it has one. A peer that does not
// install, start or answer a real chat request is reported with the reason,
// never silently dropped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../control-plane/loaders/free-port';
import { ROOT } from './lib';
import { startMlflow } from './mlflow';
import { startMlflowServerGateway } from './mlflow-server';
import { ensureInstalled, probeChat, spawnPeer, waitReady, type Peer, type PeerOpts, type PeerStatus } from './peer-process';

export type { Peer, PeerStatus } from './peer-process';

const LITELLM_VENV = path.join(ROOT, '.cache/venv-litellm');
const PORTKEY_DIR = path.join(ROOT, '.cache/portkey/node_modules/@portkey-ai/gateway');

async function startLitellm(opts: PeerOpts, workers: number): Promise<{ peer?: Peer; status: PeerStatus }> {
  const name = workers === 1 ? 'litellm' : `litellm-${workers}w`;
  const bin = path.join(LITELLM_VENV, 'bin/litellm');
  const missing = ensureInstalled('litellm', () => fs.existsSync(bin), opts.smoke);
  if (missing) return { status: { name, available: false, reason: missing } };
  const version = spawnSync(path.join(LITELLM_VENV, 'bin/python'), ['-c', "import importlib.metadata as m; print(m.version('litellm'))"], {
    encoding: 'utf8',
  }).stdout.trim();
  if (version !== '1.80.0') return { status: { name, available: false, version, reason: `refusing litellm ${version}: the bench pins 1.80.0` } };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-litellm-'));
  fs.writeFileSync(
    path.join(dir, 'config.yaml'),
    [
      'model_list:',
      '  - model_name: bench',
      '    litellm_params:',
      '      model: openai/bench',
      `      api_base: ${opts.fakeUrl}/v1`,
      '      api_key: sk-bench',
      'litellm_settings:',
      '  telemetry: false',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const args = ['--config', path.join(dir, 'config.yaml'), '--host', '127.0.0.1', '--port', String(port), '--num_workers', String(workers)];
  // The cost map ships with the package: no fetch from GitHub at start-up.
  const p = spawnPeer(bin, args, { LITELLM_LOCAL_MODEL_COST_MAP: 'True', LITELLM_LOG: 'ERROR', PYTHONUNBUFFERED: '1' }, dir);
  const url = `http://127.0.0.1:${port}`;
  const command = `litellm ${args.join(' ')}`;
  const notReady = await waitReady(p, `${url}/health/liveliness`, 180_000);
  const failed = notReady ?? (await probeChat(`${url}/v1/chat/completions`, 'bench', { authorization: 'Bearer sk-client' }));
  if (failed) {
    await p.close();
    return { status: { name, available: false, version, command, reason: failed } };
  }
  opts.log(`LiteLLM ${version} proxy (${workers} worker${workers > 1 ? 's' : ''}) on ${url}`);
  return {
    peer: { name, command, version, workers, chatUrl: `${url}/v1/chat/completions`, model: 'bench', headers: {}, pid: p.proc.pid!, close: () => p.close() },
    status: { name, available: true, version, command, workers },
  };
}

async function startPortkey(opts: PeerOpts): Promise<{ peer?: Peer; status: PeerStatus }> {
  const name = 'portkey';
  const entry = path.join(PORTKEY_DIR, 'build/start-server.js');
  const missing = ensureInstalled('portkey', () => fs.existsSync(entry), opts.smoke);
  if (missing) return { status: { name, available: false, reason: missing } };
  const version = (JSON.parse(fs.readFileSync(path.join(PORTKEY_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-portkey-'));
  const port = await freePort();
  const args = [entry, `--port=${port}`, '--headless'];
  const p = spawnPeer(process.execPath, args, { NODE_ENV: 'production' }, dir);
  const url = `http://127.0.0.1:${port}`;
  const command = `node ${path.relative(ROOT, entry)} --port=${port} --headless`;
  // Portkey picks the provider and its base URL from headers; 127.0.0.1 is a trusted custom host by default.
  const headers = { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${opts.fakeUrl}/v1` };
  const notReady = await waitReady(p, `${url}/`, 60_000);
  const failed = notReady ?? (await probeChat(`${url}/v1/chat/completions`, 'bench', { ...headers, authorization: 'Bearer sk-bench' }));
  if (failed) {
    await p.close();
    return { status: { name, available: false, version, command, reason: failed } };
  }
  opts.log(`Portkey gateway ${version} on ${url}`);
  return {
    peer: { name, command, version, workers: 1, chatUrl: `${url}/v1/chat/completions`, model: 'bench', headers, pid: p.proc.pid!, close: () => p.close() },
    status: { name, available: true, version, command, workers: 1 },
  };
}

async function startMlflowGateway(opts: PeerOpts, workers: number): Promise<{ peer?: Peer; status: PeerStatus }> {
  const name = `mlflow-gateway${workers === 1 ? '' : `-${workers}w`}`;
  const { mlflow, status } = await startMlflow({ ...opts, workers });
  if (!mlflow) return { status: { name, ...status } };
  return {
    peer: {
      name,
      command: status.command!,
      version: status.version!,
      workers,
      chatUrl: `${mlflow.url}/v1/chat/completions`,
      model: 'bench',
      headers: {},
      pid: mlflow.pid,
      close: () => mlflow.close(),
    },
    status: { name, ...status },
  };
}

/** Each peer, one worker each (plus documented production settings with `production`). Sequential: start-up is CPU-heavy. */
export async function startPeers(opts: PeerOpts & { production: boolean }): Promise<{ peers: Peer[]; statuses: PeerStatus[] }> {
  // Smoke mode (CI): only the peer that starts in a second; the Python ones take a minute each to start.
  const slow = (name: string, start: () => Promise<{ peer?: Peer; status: PeerStatus }>) =>
    opts.smoke ? () => Promise.resolve({ status: { name, available: false, reason: 'skipped in smoke mode (a full run measures it)' } }) : start;
  const starters: Array<() => Promise<{ peer?: Peer; status: PeerStatus }>> = [
    slow('mlflow-gateway', () => startMlflowGateway(opts, 1)),
    slow('mlflow-server', () => startMlflowServerGateway(opts)),
    slow('litellm', () => startLitellm(opts, 1)),
    () => startPortkey(opts),
  ];
  if (opts.production && !opts.smoke) {
    // `mlflow gateway start` defaults to 2 workers; LiteLLM's docs suggest one worker per core.
    starters.push(() => startMlflowGateway(opts, 2));
    starters.push(() => startLitellm(opts, os.cpus().length));
  }
  const peers: Peer[] = [];
  const statuses: PeerStatus[] = [];
  for (const start of starters) {
    const r = await start().catch((err: Error) => ({ peer: undefined, status: { name: 'unknown', available: false, reason: err.message } }));
    if (r.peer) peers.push(r.peer);
    statuses.push(r.status);
    if (!r.status.available) opts.log(`  peer ${r.status.name} not measured: ${r.status.reason}`);
  }
  return { peers, statuses };
}
