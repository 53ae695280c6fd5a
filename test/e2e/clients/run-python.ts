// Runs one Python client script in the project's client venv
// (scripts/clients-env.sh): the plan goes in as one JSON line on stdin, each
// cell's result comes back as a prefixed JSON line on stdout. Asynchronous:
// the gateway answering the script runs in this very process.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { CellRun } from './cells';

const ROOT = resolve(__dirname, '../../..');
export const CLIENTS_PYTHON = resolve(ROOT, '.cache/venv-clients/bin/python');
const SCRIPTS = resolve(__dirname, 'python');
const PREFIX = '@@cell ';

export interface PythonRun {
  /** Resolves with the next result line the script emits. */
  next(): Promise<CellRun & Record<string, unknown>>;
  /** Writes a line to the script's stdin (after the plan). */
  send(line: string): void;
  /** Every result line, once the script ended; rejects when it exited non-zero. */
  done: Promise<Array<CellRun & Record<string, unknown>>>;
  /** The result lines so far (what a script that crashed did report). */
  results: Array<CellRun & Record<string, unknown>>;
}

export function startPython(script: string, plan: unknown, timeoutMs = 300_000): PythonRun {
  const child = spawn(CLIENTS_PYTHON, [resolve(SCRIPTS, script)], {
    cwd: SCRIPTS,
    // No proxies, no telemetry; LiteLLM must not fetch its model-cost map from the network.
    env: { ...process.env, PYTHONUNBUFFERED: '1', LITELLM_LOCAL_MODEL_COST_MAP: 'True', LITELLM_TELEMETRY: 'False', NO_PROXY: '*', no_proxy: '*' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const results: Array<CellRun & Record<string, unknown>> = [];
  const waiting: Array<(r: CellRun & Record<string, unknown>) => void> = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-8000);
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith(PREFIX)) return;
    const result = JSON.parse(line.slice(PREFIX.length)) as CellRun & Record<string, unknown>;
    results.push(result);
    const waiter = waiting.shift();
    if (waiter) waiter(result);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Array<CellRun & Record<string, unknown>>>((resolveDone, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolveDone(results);
      else reject(new Error(`${script} exited ${code ?? signal}: ${stderr.slice(-3000)}`));
    });
  });
  // Callers may only await next(); a failed run must not become an unhandled rejection.
  done.catch(() => undefined);
  let consumed = 0;
  child.stdin.write(`${JSON.stringify(plan)}\n`);
  return {
    next: () =>
      new Promise((res, rej) => {
        if (consumed < results.length) return res(results[consumed++]!);
        waiting.push((r) => {
          consumed++;
          res(r);
        });
        done.catch(rej);
      }),
    send: (line) => child.stdin.write(`${line}\n`),
    results,
    done: done.finally(() => child.stdin.end()),
  };
}
