// Shared helpers: percentiles over full samples, the machine description,
// /proc readers, and the child processes (fake provider, load client).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const ROOT = path.resolve(__dirname, '../..');
/** bench/results unless BENCH_RESULTS_DIR says otherwise (the smoke test writes to a temp dir). */
export const RESULTS_DIR = process.env.BENCH_RESULTS_DIR ? path.resolve(process.env.BENCH_RESULTS_DIR) : path.join(ROOT, 'bench/results');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Percentiles {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles over every sample (no histogram, no bucketing). */
export function percentiles(samples: number[]): Percentiles {
  const xs = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return { n: 0, min: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (p: number) => xs[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  // n > 0, so every rank is in range.
  return { n, min: xs[0]!, p50: at(50), p90: at(90), p99: at(99), max: xs[n - 1]!, mean: xs.reduce((a, b) => a + b, 0) / n };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function roundAll<T>(v: T, digits = 3): T {
  if (typeof v === 'number') return round(v, digits) as T;
  if (Array.isArray(v)) return v.map((x) => roundAll(x, digits)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundAll(x, digits)])) as T;
  return v;
}

export function machine() {
  const cpus = os.cpus();
  // loadavg() is always the 1, 5 and 15 minute averages.
  const [l1, l5, l15] = os.loadavg() as [number, number, number];
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(os.freemem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { '1m': round(l1), '5m': round(l5), '15m': round(l15) },
  };
}

export function writeResult(scenario: string, data: Record<string, unknown>): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${scenario}.json`);
  fs.writeFileSync(file, `${JSON.stringify(roundAll(data), null, 2)}\n`);
  return file;
}

const CLK_TCK = 100; // USER_HZ on Linux

/** utime + stime of a process in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number, tid?: number): number {
  const stat = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** CPU time (ms) of each thread of a process, by thread id. */
export function threadCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      out.set(Number(tid), cpuMs(pid, Number(tid)));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** The most CPU (ms) one thread used between two `threadCpuMs` readings: a process is capped by its busiest thread. */
export function busiestThreadMs(before: Map<number, number>, after: Map<number, number>): number {
  let most = 0;
  for (const [tid, ms] of after) most = Math.max(most, ms - (before.get(tid) ?? 0));
  return most;
}

/** VmRSS (or another Vm* line) of a process, in MiB. */
export function vmMiB(pid: number, key = 'VmRSS'): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

/** Samples a process's CPU over a window: call stop() for the % of one core used. */
export function cpuMeter(pid: number) {
  const t0 = performance.now();
  const c0 = cpuMs(pid);
  return () => {
    const wall = performance.now() - t0;
    const used = cpuMs(pid) - c0;
    return { cpuMs: used, wallMs: wall, percentOfOneCore: (100 * used) / wall };
  };
}

/** Streams held open; requests by HTTP version ('1.1', '2.0') and connections over TLS, since the fake started. */
export interface FakeStats {
  held: number;
  versions: Record<string, number>;
  connections: number;
  tlsConnections: number;
}

export interface Fake {
  url: string;
  /** One URL per listening port (separate origins). */
  urls: string[];
  /** One https URL per TLS port (HTTP/2 or HTTP/1.1 by ALPN). */
  tlsUrls: string[];
  proc: ChildProcess;
  release(): Promise<number>;
  held(): Promise<number>;
  stats(): Promise<FakeStats>;
  close(): Promise<void>;
}

/** Starts bench/fake-provider.js in its own process. */
export async function startFakeProcess(opts: {
  delayMs: number;
  chunks: number;
  gapMs: number;
  ports?: number;
  tls?: { ports: number; key: string; cert: string };
}): Promise<Fake> {
  const proc = spawn(process.execPath, [path.join(__dirname, 'fake-provider.js'), JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    proc.once('exit', (code) => reject(new Error(`fake provider exited (${code})`)));
  });
  const { ports, tlsPorts = [] } = JSON.parse(line) as { ports: number[]; tlsPorts?: number[] };
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  // By name, as the certificate names it.
  const tlsUrls = tlsPorts.map((p) => `https://localhost:${p}`);
  const url = urls[0];
  if (!url) throw new Error('fake provider reported no ports');
  const stats = async () => (await (await fetch(`${url}/_stats`)).json()) as FakeStats;
  return {
    url,
    urls,
    tlsUrls,
    proc,
    async release() {
      const r = await fetch(`${url}/_release`, { method: 'POST' });
      return ((await r.json()) as { released: number }).released;
    },
    async held() {
      return (await stats()).held;
    },
    stats,
    async close() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Client {
  pid: number;
  run<T>(job: Record<string, unknown> & { type: string }): Promise<T>;
  close(): Promise<void>;
}

/** Forks bench/client-worker.js (load generator + stream reader). */
export function startClient(): Client {
  const proc = fork(path.join(__dirname, 'client-worker.js'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  proc.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(`client worker: ${msg.error}`));
    else w.resolve(msg.result);
  });
  proc.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`client worker exited (${code})`));
    waiting.clear();
  });
  return {
    pid: proc.pid!,
    run<T>(job: Record<string, unknown> & { type: string }): Promise<T> {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, job });
      });
    },
    async close() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.disconnect();
      await exited;
    },
  };
}

/** Formats rows as a fixed-width text table. */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => r.map((c, i) => String(c ?? '').padEnd(widths[i]!)).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fmt(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
