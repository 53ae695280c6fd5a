// Local mode only: where the running control plane keeps its keys. The
// token CLI in another shell (perhaps without the same GATEWAY_DATA_DIR)
// finds them here instead of signing with keys nothing accepts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LocalStack {
  dataDir: string;
  url: string;
  pid: number;
}

export function localStackFile(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'kong-llm-gateway', 'local-stack.json');
}

export function recordLocalStack(stack: LocalStack, env: NodeJS.ProcessEnv = process.env): void {
  const file = localStackFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(stack) + '\n', { mode: 0o600 });
}

export function forgetLocalStack(pid: number, env: NodeJS.ProcessEnv = process.env): void {
  const stack = readLocalStack(env);
  if (stack?.pid === pid) fs.rmSync(localStackFile(env), { force: true });
}

/** The recorded stack, if its process is still alive. */
export function findRunningLocalStack(env: NodeJS.ProcessEnv = process.env): LocalStack | undefined {
  const stack = readLocalStack(env);
  if (!stack) return undefined;
  try {
    process.kill(stack.pid, 0);
    return stack;
  } catch {
    return undefined;
  }
}

function readLocalStack(env: NodeJS.ProcessEnv): LocalStack | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(localStackFile(env), 'utf8')) as LocalStack;
    return typeof parsed.dataDir === 'string' && typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
