// The peer: MLflow AI Gateway, installed by scripts/bench-python-env.sh into
// a project-local venv (.cache/venv-bench) and started as
//   mlflow gateway start --config-path <yaml> --host 127.0.0.1 --port <p>
// (MLflow 3.17 still ships this standalone gateway, marked deprecated in
// favour of the AI gateway inside `mlflow server`; both route through the
// same provider classes). Its OpenAI-compatible route is POST
// /v1/chat/completions with model = endpoint name. MLflow refuses private
// upstreams unless MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS=true, which the
// loopback fake needs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../control-plane/loaders/free-port';
import { ROOT, sleep } from './lib';

export interface MlflowStatus {
  available: boolean;
  version?: string;
  command?: string;
  workers?: number;
  /** Why it is not measured, verbatim where it failed. */
  reason?: string;
}

export interface Mlflow {
  url: string;
  pid: number;
  close(): Promise<void>;
}

const VENV = path.join(ROOT, '.cache/venv-bench');
export const MLFLOW_WORKERS = 2; // `mlflow gateway start`'s default

export async function startMlflow(opts: {
  smoke: boolean;
  fakeUrl: string;
  log: (s: string) => void;
  workers?: number;
}): Promise<{ mlflow?: Mlflow; status: MlflowStatus }> {
  const workers = opts.workers ?? MLFLOW_WORKERS;
  if (process.env.BENCH_SKIP_MLFLOW) return { status: { available: false, reason: 'skipped: BENCH_SKIP_MLFLOW is set' } };
  const bin = path.join(VENV, 'bin/mlflow');
  if (!fs.existsSync(bin)) {
    if (opts.smoke) return { status: { available: false, reason: 'skipped in smoke mode: not installed (run scripts/bench-python-env.sh or the full bench)' } };
    opts.log('installing MLflow into .cache/venv-bench (scripts/bench-python-env.sh)...');
    const res = spawnSync('bash', [path.join(ROOT, 'scripts/bench-python-env.sh')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (res.status !== 0) {
      return {
        status: {
          available: false,
          reason: `pip install failed (exit ${res.status ?? res.signal}): ${(res.stderr || res.error?.message || '').trim().split('\n').slice(-5).join(' | ')}`,
        },
      };
    }
  }
  const ver = spawnSync(path.join(VENV, 'bin/python'), ['-c', 'import mlflow; print(mlflow.__version__)'], { encoding: 'utf8' });
  if (ver.status !== 0) return { status: { available: false, reason: `mlflow does not import: ${ver.stderr.trim().split('\n').slice(-3).join(' | ')}` } };
  const version = ver.stdout.trim();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mlflow-'));
  const configPath = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(
    configPath,
    [
      'endpoints:',
      '  - name: bench',
      '    endpoint_type: llm/v1/chat',
      '    model:',
      '      provider: openai',
      '      name: bench',
      '      config:',
      '        openai_api_key: sk-bench',
      `        openai_api_base: ${opts.fakeUrl}/v1`,
      '  - name: bench-anthropic',
      '    endpoint_type: llm/v1/chat',
      '    model:',
      '      provider: anthropic',
      '      name: bench',
      '      config:',
      '        anthropic_api_key: sk-ant-bench',
      `        anthropic_api_base: ${opts.fakeUrl}/v1`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const args = ['gateway', 'start', '--config-path', configPath, '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers)];
  const command = `mlflow ${args.join(' ')}`;
  const logFile = path.join(dir, 'mlflow.log');
  const out = fs.openSync(logFile, 'a');
  // detached: its own process group, so close() stops gunicorn and its workers together.
  const proc: ChildProcess = spawn(bin, args, {
    stdio: ['ignore', out, out],
    detached: true,
    env: { ...process.env, MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS: 'true', PYTHONUNBUFFERED: '1' },
  });
  fs.closeSync(out);
  let exited = false;
  const exitP = new Promise<void>((r) => proc.once('exit', () => ((exited = true), r())));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (exited) return;
    try {
      process.kill(-proc.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const done = await Promise.race([exitP.then(() => true), sleep(10_000).then(() => false)]);
    if (!done) {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (exited || Date.now() > deadline) {
      await close();
      const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).join(' | ');
      return { status: { available: false, version, command, reason: `${exited ? 'exited' : 'no /health within 90 s'}: ${tail}` } };
    }
    await sleep(250);
  }
  // One real request through each endpoint: a peer that cannot reach the fake is not measured.
  for (const model of ['bench', 'bench-anthropic']) {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    }).catch((err: Error) => err);
    if (res instanceof Error || res.status !== 200) {
      const detail = res instanceof Error ? res.message : `${res.status} ${(await res.text()).slice(0, 300)}`;
      await close();
      return { status: { available: false, version, command, reason: `started, but a chat request to '${model}' failed: ${detail}` } };
    }
  }
  opts.log(`MLflow ${version} AI gateway (${workers} worker${workers > 1 ? 's' : ''}) on ${url}`);
  return { mlflow: { url, pid: proc.pid!, close }, status: { available: true, version, command, workers } };
}
