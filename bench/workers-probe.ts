// Data workers per configuration, measured (issue 13, "scale with cores"):
// the gateway behind the nginx stand-in with `data_workers` 1 and 2, in
// alternating rounds, at c=50 against the fake provider (20 ms). For each:
// requests per second, and CPU milliseconds per request of the plugin
// server's main thread (Kong's PDK calls: one thread whatever the worker
// count), of the rest of the plugin server (the data workers, GC and libuv
// threads) and of nginx (master + workers). CPU per request is what projects
// to bigger machines; req/s on this shared 2-core VM is only indicative.
//   node dist/bench/workers-probe.js [rounds=2] [seconds=10] [workers=1,2]
// Prints JSON; not part of `npm run bench` (a diagnostic).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFerretDB } from '../control-plane/loaders/ferretdb';
import type { KongNginx } from '../local/kong-nginx/gateway';
import type { LoadResult } from './client-worker';
import { cpuMs, percentiles, round, sleep, startClient, startFakeProcess } from './lib';
import { CHAT_BODY } from './setup';
import { createSecret, putEndpoint, startBenchStack } from './stack';

const CLK_TCK = 100;

/** utime + stime of one thread of a process, ms. */
function threadCpuMs(pid: number, tid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** nginx master and its workers. */
function nginxPids(master: number): number[] {
  const children = fs.readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return [master, ...children];
}

async function main() {
  const rounds = Number(process.argv[2] ?? 2);
  const seconds = Number(process.argv[3] ?? 10);
  const counts = (process.argv[4] ?? '1,2').split(',').map(Number);
  const cleanups: Array<() => Promise<void>> = [];
  try {
    if (!process.env.MONGODB_URI) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workers-probe-db-'));
      const db = await startFerretDB({ dataDir });
      process.env.MONGODB_URI = db.uri;
      cleanups.push(() => db.stop());
    }
    const fake = await startFakeProcess({ delayMs: 20, chunks: 5, gapMs: 50, ports: 1 });
    cleanups.push(() => fake.close());
    const client = startClient();
    cleanups.push(() => client.close());
    const results: Array<Record<string, unknown>> = [];
    for (let r = 0; r < rounds; r++) {
      for (const workers of counts) {
        const stack = await startBenchStack({ data_workers: workers });
        try {
          await createSecret(stack, 'bench-openai', 'openai', { apiKey: 'sk-bench' });
          await putEndpoint(stack, {
            name: 'bench',
            kind: 'chat',
            destinations: [{ id: 'oai', provider: 'openai', model: 'bench', secret: 'bench-openai', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
          });
          const url = `${stack.openaiBaseUrl}/chat/completions`;
          const job = { type: 'load', url, body: CHAT_BODY('bench'), headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' } };
          // Warm-up: every worker started and configured.
          for (let i = 0; i < 60; i++) {
            const w = await client.run<LoadResult>({ ...job, connections: 10, durationS: 1 });
            if ((w.statuses['200'] ?? 0) === w.requests && i >= 2) break;
            await sleep(500);
          }
          const ps = stack.driver.pluginServerPid()!;
          const nginx = nginxPids((stack.driver as unknown as KongNginx).masterPid);
          const load = os.loadavg()[0];
          const c0 = { main: threadCpuMs(ps, ps), all: cpuMs(ps), nginx: nginx.reduce((n, p) => n + cpuMs(p), 0) };
          const res = await client.run<LoadResult>({ ...job, connections: 50, durationS: seconds });
          const c1 = { main: threadCpuMs(ps, ps), all: cpuMs(ps), nginx: nginx.reduce((n, p) => n + cpuMs(p), 0) };
          const n = Math.max(1, res.requests);
          const row = {
            round: r + 1,
            workers,
            loadAverage1m: round(load),
            rps: round((1000 * res.requests) / res.elapsedMs, 0),
            non200: res.requests - (res.statuses['200'] ?? 0),
            errors: res.errors,
            latencyMs: percentiles(res.latenciesMs),
            cpuMsPerRequest: {
              pluginServerMainThread: round((c1.main - c0.main) / n, 3),
              pluginServerOtherThreads: round((c1.all - c1.main - (c0.all - c0.main)) / n, 3),
              nginx: round((c1.nginx - c0.nginx) / n, 3),
            },
          };
          console.error(JSON.stringify(row));
          results.push(row);
        } finally {
          await stack.close();
        }
      }
    }
    console.log(JSON.stringify({ cores: os.cpus().length, seconds, results }, null, 2));
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

void main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
