// A real MLflow tracking server (`mlflow server`, SQLite backend) from the
// project-local venv that scripts/telemetry-env.sh installs, on a free
// loopback port, and MLflow's own tracing API to read back what it stored.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../control-plane/loaders/free-port';

const ROOT = path.resolve(__dirname, '../../..');
export const MLFLOW_VENV = path.join(ROOT, '.cache/venv-bench');
const READ_TRACES = path.join(ROOT, 'test/e2e/telemetry/read-mlflow-traces.py');

export interface MlflowSpan {
  name: string;
  span_id: string;
  parent_id: string | null;
  trace_id: string;
  span_type: string;
  status: string;
  start_time_ns: number;
  end_time_ns: number;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}

export interface MlflowTrace {
  trace_id: string;
  state: string;
  token_usage: { input_tokens?: number; output_tokens?: number; total_tokens?: number } | null;
  spans: MlflowSpan[];
}

export interface MlflowServer {
  url: string;
  /** The OTLP/HTTP traces endpoint. */
  otlpUrl: string;
  createExperiment(name: string): Promise<string>;
  traces(experimentId: string): MlflowTrace[];
  close(): Promise<void>;
}

export function mlflowInstalled(): boolean {
  return fs.existsSync(path.join(MLFLOW_VENV, 'bin/mlflow'));
}

export async function startMlflowServer(): Promise<MlflowServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-otel-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    path.join(MLFLOW_VENV, 'bin/mlflow'),
    [
      'server',
      '--backend-store-uri',
      `sqlite:///${dir}/mlflow.db`,
      '--default-artifact-root',
      `${dir}/artifacts`,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' } },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited (${child.exitCode}): ${output}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mlflow server did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    otlpUrl: `${url}/v1/traces`,
    async createExperiment(name) {
      const res = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) throw new Error(`experiment create: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { experiment_id: string }).experiment_id;
    },
    traces(experimentId) {
      const res = spawnSync(path.join(MLFLOW_VENV, 'bin/python'), [READ_TRACES, url, experimentId], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      });
      if (res.status !== 0) throw new Error(`reading MLflow traces failed: ${res.stderr || res.error?.message}`);
      return JSON.parse(res.stdout) as MlflowTrace[];
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            r(undefined);
          }, 5_000);
          child.once('exit', () => {
            clearTimeout(t);
            r(undefined);
          });
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
