// The peer MLflow documents for agents (ADK, LangChain...): the
// database-backed AI gateway inside the tracking server,
//   mlflow server --backend-store-uri sqlite:///<dir>/mlflow.db --workers 1
// with its endpoint created through its REST API (secret -> model definition
// -> endpoint, /api/3.0/mlflow/gateway/...) and usage tracking on, so every
// call is written as an MLflow trace, as users run it. Clients call the
// OpenAI-compatible /gateway/mlflow/v1/chat/completions with model = endpoint.
// MLflow refuses plain-http and private api_base URLs unless told otherwise;
// the loopback fake needs both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { freePort } from '../control-plane/loaders/free-port';
import { ROOT } from './lib';
import { ensureInstalled, probeChat, spawnPeer, waitReady, type Peer, type PeerOpts, type PeerStatus } from './peer-process';

const VENV = path.join(ROOT, '.cache/venv-bench');

async function call<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${new URL(url).pathname}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function startMlflowServerGateway(opts: PeerOpts, workers = 1): Promise<{ peer?: Peer; status: PeerStatus }> {
  const name = workers === 1 ? 'mlflow-server' : `mlflow-server-${workers}w`;
  const bin = path.join(VENV, 'bin/mlflow');
  const missing = ensureInstalled('mlflow', () => fs.existsSync(bin), opts.smoke);
  if (missing) return { status: { name, available: false, reason: missing } };
  const version = spawnSync(path.join(VENV, 'bin/python'), ['-c', 'import mlflow; print(mlflow.__version__)'], { encoding: 'utf8' }).stdout.trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mlflow-server-'));
  const port = await freePort();
  const args = ['server', '--backend-store-uri', `sqlite:///${dir}/mlflow.db`, '--default-artifact-root', `${dir}/artifacts`];
  args.push('--host', '127.0.0.1', '--port', String(port), '--workers', String(workers));
  const p = spawnPeer(
    bin,
    args,
    {
      MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES: 'http,https',
      MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS: 'true',
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
      PYTHONUNBUFFERED: '1',
    },
    dir,
  );
  const url = `http://127.0.0.1:${port}`;
  const command = `mlflow ${args.join(' ')}`;
  const fail = async (reason: string) => {
    await p.close();
    return { status: { name, available: false, version, command, reason } };
  };
  const notReady = await waitReady(p, `${url}/health`, 180_000);
  if (notReady) return fail(notReady);
  const api = `${url}/api/3.0/mlflow/gateway`;
  try {
    const { secret } = await call<{ secret: { secret_id: string } }>(`${api}/secrets/create`, {
      secret_name: 'bench-openai',
      secret_value: { api_key: 'sk-bench' },
      provider: 'openai',
      auth_config: { api_base: `${opts.fakeUrl}/v1` },
    });
    const { model_definition: def } = await call<{ model_definition: { model_definition_id: string } }>(`${api}/model-definitions/create`, {
      name: 'bench',
      secret_id: secret.secret_id,
      provider: 'openai',
      model_name: 'bench',
    });
    const { endpoint } = await call<{ endpoint: { usage_tracking?: boolean; experiment_id?: string } }>(`${api}/endpoints/create`, {
      name: 'bench',
      model_configs: [{ model_definition_id: def.model_definition_id, linkage_type: 'PRIMARY', weight: 1 }],
      usage_tracking: true,
    });
    if (!endpoint.usage_tracking) return fail(`endpoint created without usage tracking: ${JSON.stringify(endpoint)}`);
  } catch (err) {
    return fail(`creating the endpoint failed: ${(err as Error).message}`);
  }
  const chatUrl = `${url}/gateway/mlflow/v1/chat/completions`;
  const failed = await probeChat(chatUrl, 'bench', {});
  if (failed) return fail(failed);
  opts.log(`MLflow ${version} server with its AI gateway (${workers} worker${workers > 1 ? 's' : ''}, traces on) on ${url}`);
  return {
    peer: { name, command, version, workers, chatUrl, model: 'bench', headers: {}, pid: p.proc.pid!, close: () => p.close() },
    status: { name, available: true, version, command, workers },
  };
}
