// Starting a peer gateway for the benchmark (bench/peers.ts): install on
// demand through scripts/bench-peers-env.sh, run it in its own process group,
// wait until it answers, and prove it reaches the fake with one chat request.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, sleep } from './lib';

export interface Peer {
  name: string;
  /** What runs, as a user would type it. */
  command: string;
  version: string;
  workers: number;
  /** The OpenAI-compatible chat completions URL, the model to send, extra headers. */
  chatUrl: string;
  model: string;
  headers: Record<string, string>;
  pid: number;
  close(): Promise<void>;
}

export interface PeerStatus {
  name: string;
  available: boolean;
  version?: string;
  command?: string;
  workers?: number;
  reason?: string;
}

export interface PeerOpts {
  smoke: boolean;
  fakeUrl: string;
  log: (s: string) => void;
}

/** Runs scripts/bench-peers-env.sh for one peer unless `installed()` already holds. */
export function ensureInstalled(which: string, installed: () => boolean, smoke: boolean): string | undefined {
  if (installed()) return undefined;
  if (smoke) return `skipped in smoke mode: not installed (run scripts/bench-peers-env.sh ${which})`;
  const res = spawnSync('bash', [path.join(ROOT, 'scripts/bench-peers-env.sh'), which], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0)
    return `install failed (exit ${res.status ?? res.signal}): ${(res.stderr || res.error?.message || '').trim().split('\n').slice(-5).join(' | ')}`;
  return installed() ? undefined : 'install reported success but the peer is still missing';
}

export interface Spawned {
  proc: ChildProcess;
  logFile: string;
  exited(): boolean;
  close(): Promise<void>;
  tail(): string;
}

/** Starts a peer in its own process group (close() stops it and its workers), logging to a file. */
export function spawnPeer(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Spawned {
  const logFile = path.join(cwd, 'peer.log');
  const out = fs.openSync(logFile, 'a');
  const proc = spawn(bin, args, { stdio: ['ignore', out, out], detached: true, cwd, env: { ...process.env, ...env } });
  fs.closeSync(out);
  let exited = false;
  const exitP = new Promise<void>((r) => proc.once('exit', () => ((exited = true), r())));
  return {
    proc,
    logFile,
    exited: () => exited,
    tail: () => fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-8).join(' | '),
    async close() {
      if (exited) return;
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        return;
      }
      if (!(await Promise.race([exitP.then(() => true), sleep(10_000).then(() => false)]))) {
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  };
}

/** Polls `url` until it answers 2xx (or the process exits, or the deadline passes). */
export async function waitReady(p: Spawned, url: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return undefined;
    if (p.exited() || Date.now() > deadline) return `${p.exited() ? 'exited' : `not ready within ${timeoutMs / 1000} s`}: ${p.tail()}`;
    await sleep(250);
  }
}

/** One real chat request: a peer that cannot reach the fake is not measured. */
export async function probeChat(chatUrl: string, model: string, headers: Record<string, string>): Promise<string | undefined> {
  const res = await fetch(chatUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
  }).catch((err: Error) => err);
  if (res instanceof Error) return `a chat request failed: ${res.message}`;
  const text = await res.text();
  if (res.status !== 200) return `a chat request answered ${res.status}: ${text.slice(0, 300)}`;
  return undefined;
}
