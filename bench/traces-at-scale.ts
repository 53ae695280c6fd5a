// Scenario traces-at-scale: the control plane's reads as stored traces grow
// (10k -> 100k, and 1M with BENCH_TRACES=1000000): usage summary and series,
// first pages of traces with and without filters, ingest rate, database size;
// then a retention sweep of the stored day while live traces are ingested.
// Its own database (FerretDB in a fresh data dir, or a fresh database on
// MONGODB_URI) and its own control-plane process (bench/control-plane-child.ts).
//
// The traces are a day of a gateway's traffic (yesterday), generated
// deterministically and sent through POST /api/v1/dataplane/traces in time
// order, 1,000 per batch, four batches in flight, as data planes send them.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Trace, TraceAttempt } from '../plugin/contract';
import { loadConfig } from '../control-plane/config';
import { startFerretDB } from '../control-plane/loaders/ferretdb';
import { freePort } from '../control-plane/loaders/free-port';
import { signToken } from '../control-plane/middleware/verify-token';
import { testDbUri } from '../test/helpers/db';
import { busiestThreadMs, cpuMs, percentiles, round, sleep, threadCpuMs } from './lib';

const DAY = 86_400_000;
const ENDPOINTS = ['chat', 'chat-large', 'agent', 'summarize', 'extract', 'embed', 'code', 'rare'];
const DESTINATIONS: Array<[TraceAttempt['provider'], string]> = [
  ['openai', 'gpt-4o-mini'],
  ['openai', 'gpt-4o'],
  ['anthropic', 'claude-sonnet-4'],
  ['azure-openai', 'gpt-4o'],
  ['mistral', 'mistral-large'],
  ['bedrock', 'nova-pro'],
];
const USERS = 100;

export interface ScaleProfile {
  sizes: number[];
  reps: number;
  /** Seconds of each window of live ingest around the retention sweep (0: no sweep). */
  sweepS: number;
  /** Seconds of steady live traffic at the end (BENCH_SCALE_LIVE_RPS a second; 0: none). */
  liveS: number;
  /** Read rounds while rollups are still being built, at most (the smoke run does two, not the minutes a full build takes; Infinity, null in the JSON: until built). */
  buildRounds: number;
}

/**
 * BENCH_TRACES: the largest step (default 100,000; 1000000 adds the 1M step).
 * BENCH_SCALE_SIZES (comma list), BENCH_SCALE_REPS, BENCH_SCALE_SWEEP_S
 * override the steps, the samples per query and the live-ingest seconds
 * (e.g. for measuring an earlier version, whose reads take seconds).
 * BENCH_SCALE_KEEP_DIR: a FerretDB data dir kept after the run; a later run
 * given the same dir reads what it holds (built at 1M takes many minutes)
 * instead of ingesting it again, and skips the sweep (it would delete it).
 * BENCH_SCALE_PER_DAY: traces a day (default: the largest step's count), e.g.
 * 1000000 with 100,000 traces sends the first 2.4 hours of a 1M day: a
 * batch then touches as many rollup documents as at 1M.
 * BENCH_SCALE_BUILD_ROUNDS: read rounds while rollups are built, at most
 * (0: read right after ingest and at once again; for runs that measure ingest).
 */
export function scaleProfile(smoke: boolean): ScaleProfile {
  const env = process.env;
  const base: ScaleProfile = smoke
    ? { sizes: [2_000], reps: 3, sweepS: 2, liveS: 2, buildRounds: 2 }
    : { sizes: [10_000, 100_000, 1_000_000].filter((n) => n <= Number(env.BENCH_TRACES ?? 100_000)), reps: 20, sweepS: 20, liveS: 30, buildRounds: Infinity };
  return {
    sizes: env.BENCH_SCALE_SIZES ? env.BENCH_SCALE_SIZES.split(',').map(Number) : base.sizes,
    reps: env.BENCH_SCALE_REPS ? Number(env.BENCH_SCALE_REPS) : base.reps,
    sweepS: env.BENCH_SCALE_SWEEP_S ? Number(env.BENCH_SCALE_SWEEP_S) : base.sweepS,
    liveS: env.BENCH_SCALE_LIVE_S ? Number(env.BENCH_SCALE_LIVE_S) : base.liveS,
    buildRounds: env.BENCH_SCALE_BUILD_ROUNDS ? Number(env.BENCH_SCALE_BUILD_ROUNDS) : base.buildRounds,
  };
}

/** Deterministic traffic: trace i of n, spread over [start, start + span) in time order. */
function makeTrace(i: number, n: number, start: number, span: number, idPrefix: string): Trace {
  let seed = (i * 2654435761) >>> 0;
  const r = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const endpoint = r() < 0.002 ? 'rare' : ENDPOINTS[Math.floor(r() * (ENDPOINTS.length - 1))]!;
  const [provider, model] = DESTINATIONS[Math.floor(r() * DESTINATIONS.length)]!;
  const stream = r() < 0.4;
  const roll = r();
  const rejected = roll < 0.03;
  const failed = !rejected && roll < 0.05;
  const fellBack = !rejected && !failed && roll < 0.15;
  const [backup, backupModel] = DESTINATIONS[(DESTINATIONS.findIndex((d) => d[0] === provider && d[1] === model) + 1) % DESTINATIONS.length]!;
  const attempts: TraceAttempt[] = rejected
    ? []
    : fellBack
      ? [
          { destinationId: 'a', provider, model, status: 503, latencyMs: 40 },
          { destinationId: 'b', provider: backup, model: backupModel, status: 200, latencyMs: 400 + Math.floor(r() * 2000) },
        ]
      : [{ destinationId: 'a', provider, model, status: failed ? 502 : 200, latencyMs: 300 + Math.floor(r() * 3000) }];
  const served = !rejected && !failed;
  return {
    id: `${idPrefix}-${i}`,
    time: new Date(start + Math.floor((i / n) * span)).toISOString(),
    endpoint,
    kind: endpoint === 'embed' ? 'embeddings' : 'chat',
    user: `u${Math.floor(USERS * r() * r())}`,
    ingress: r() < 0.7 ? 'openai' : r() < 0.6 ? 'anthropic' : 'responses',
    stream,
    ...(r() < 0.3 ? { runId: `run-${Math.floor(i / 20)}` } : {}),
    status: rejected ? 429 : failed ? 502 : 200,
    ...(rejected ? { errorCode: 'budget_exceeded' } : {}),
    ...(served ? { provider: fellBack ? backup : provider, model: fellBack ? backupModel : model } : {}),
    attempts,
    ...(served
      ? {
          usage: { promptTokens: 800, completionTokens: 200, totalTokens: 1000, cachedTokens: Math.floor(r() * 400), reasoningTokens: Math.floor(r() * 50) },
          costUsd: 0.0004 + r() * 0.002,
        }
      : {}),
    latencyMs: Math.round((300 + r() * 3500) * 100) / 100,
    overheadMs: Math.round(r() * 400) / 100,
    ...(stream && served ? { ttftMs: Math.round((150 + r() * 900) * 100) / 100 } : {}),
  };
}

interface ControlPlane {
  url: string;
  proc: ChildProcess;
  sweep(now: number): Promise<unknown>;
  pendingBuilds(): Promise<number>;
  applied(): Promise<number>;
}

async function startChild(env: NodeJS.ProcessEnv): Promise<ControlPlane> {
  const proc = fork(path.join(__dirname, 'control-plane-child.js'), [], { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`control plane exited (${code})`)));
    proc.on('message', (m: { type: string; url?: string }) => m.type === 'ready' && resolve(m.url!));
  });
  /** A number the child answers with a message of the same type. */
  const ask = (type: string) =>
    new Promise<number>((resolve) => {
      const on = (m: { type: string; n?: number }) => {
        if (m.type !== type) return;
        proc.off('message', on);
        resolve(m.n!);
      };
      proc.on('message', on);
      proc.send({ type });
    });
  return {
    url,
    proc,
    sweep: (now) =>
      new Promise((resolve, reject) => {
        const on = (m: { type: string; report?: unknown; error?: string }) => {
          if (m.type !== 'swept') return;
          proc.off('message', on);
          if (m.error) reject(new Error(m.error));
          else resolve(m.report);
        };
        proc.on('message', on);
        proc.send({ type: 'sweep', now });
      }),
    pendingBuilds: () => ask('pendingBuilds'),
    applied: () => ask('applied'),
  };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(full) : fs.statSync(full).size;
  }
  return total;
}

export async function tracesAtScale(p: ScaleProfile, log: (s: string) => void) {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    let mongoUri: string;
    let sqliteDir: string | undefined;
    let dbPid: number | undefined;
    const keepDir = process.env.BENCH_SCALE_KEEP_DIR;
    // What a kept data dir holds: the traffic's start, trace id prefix and count.
    const keptPath = keepDir && path.join(keepDir, 'bench-scale.json');
    const kept =
      keptPath && fs.existsSync(keptPath) ? (JSON.parse(fs.readFileSync(keptPath, 'utf8')) as { dayStart: number; prefix: string; stored: number }) : undefined;
    if (process.env.MONGODB_URI) {
      mongoUri = testDbUri('scale').uri;
    } else {
      const dataDir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-db-'));
      const db = await startFerretDB({ dataDir });
      cleanups.push(async () => {
        await db.stop();
        if (!keepDir) fs.rmSync(dataDir, { recursive: true, force: true });
      });
      mongoUri = `${db.uri}scale`;
      sqliteDir = path.join(dataDir, 'sqlite');
      dbPid = db.pid;
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      MONGODB_URI: mongoUri,
      CONTROL_PLANE_HOST: '127.0.0.1',
      CONTROL_PLANE_PORT: String(await freePort()),
      JWT_SECRET: randomBytes(32).toString('base64url'),
      GATEWAY_KEK: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      // The sweep runs "30 days later": the loaded day goes, today's live traces stay.
      TRACE_RETENTION_DAYS: '30',
      USAGE_MINUTE_RETENTION_DAYS: '30',
    };
    const jwt = loadConfig(env).jwt;
    const viewer = signToken(jwt, { sub: 'bench', role: 'viewer' }, DAY / 1000);
    const dataplane = signToken(jwt, { sub: 'bench', role: 'dataplane' }, DAY / 1000);
    const cp = await startChild(env);
    cleanups.push(async () => {
      cp.proc.kill('SIGTERM');
      await new Promise((r) => cp.proc.once('exit', r));
    });

    let busyAnswers = 0;
    const post = async (traces: Trace[]) => {
      const send = () =>
        fetch(`${cp.url}/api/v1/dataplane/traces`, {
          method: 'POST',
          headers: { authorization: `Bearer ${dataplane}`, 'content-type': 'application/json' },
          body: JSON.stringify({ traces }),
        });
      // A kept-alive socket the server closed while idle fails the first write: resend (ingest is idempotent).
      const attempt = () =>
        send().catch(async (err: Error) => {
          if (cp.proc.exitCode !== null) throw err;
          return send();
        });
      let res = await attempt();
      // A 503 is the control plane asking to come back (as the data plane's shipper does): counted, then sent again.
      for (let tries = 0; res.status === 503 && tries < 20; tries++) {
        busyAnswers++;
        await res.text();
        await new Promise((r) => setTimeout(r, 1_000 * Number(res.headers.get('retry-after') ?? 1)));
        res = await attempt();
      }
      if (res.status !== 200) throw new Error(`ingest: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { accepted: number }).accepted;
    };
    const get = async (pathAndQuery: string) => {
      const t0 = performance.now();
      const res = await fetch(`${cp.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${viewer}` } });
      const body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) return { ms, status: res.status, body: undefined };
      return { ms, status: 200, body: JSON.parse(body) as Record<string, unknown> };
    };

    // A gateway in use: traffic of now at a steady rate (BENCH_SCALE_LIVE_RPS, 100 by default: 8.6M a day) in the
    // batches a data plane's shipper sends (one every 200 ms), for BENCH_SCALE_LIVE_S seconds. Unlike bulk ingest,
    // the flusher then applies small groups, each touching the current minute, 10 minutes and hour of every family:
    // what that costs per 1,000 traces (the control plane and the database, CPU), and whether it keeps up.
    const steadyLiveTraffic = async () => {
      const rps = Number(process.env.BENCH_SCALE_LIVE_RPS ?? 100);
      let n = 0;
      const liveTrace = () => makeTrace(n++, 1, Date.now() - 500, 0, `${prefix}-steady`);
      const perBatch = Math.max(1, Math.round(rps / 5));
      const appliedBefore = await cp.applied();
      // Builds left by a bulk step run meanwhile (paced) and are in the figures: how many were left.
      const buildsPendingAtStart = await cp.pendingBuilds();
      const from = cpu();
      const t0 = performance.now();
      let sent = 0;
      while (performance.now() - t0 < p.liveS * 1000) {
        const next = t0 + ((sent + perBatch) / rps) * 1000;
        sent += await post(Array.from({ length: perBatch }, liveTrace));
        await sleep(Math.max(0, next - performance.now()));
      }
      const seconds = (performance.now() - t0) / 1000;
      const to = cpu();
      const { controlPlaneMsPer1000, databaseMsPer1000 } = cpuPer1000(from, to, sent);
      const result = {
        tracesPerSecond: round(sent / seconds, 0),
        seconds: round(seconds, 1),
        controlPlaneMsPer1000,
        databaseMsPer1000,
        /** Control-plane and database CPU as a share of one core. */
        cpuShareOfOneCore: round((to.cp - from.cp + to.db - from.db) / (seconds * 1000), 3),
        appliedWhileSending: (await cp.applied()) - appliedBefore,
        buildsPendingAtStart,
      };
      log(
        `  steady live traffic: ${result.tracesPerSecond}/s for ${result.seconds} s, control plane / database ${result.controlPlaneMsPer1000} / ${result.databaseMsPer1000} ms CPU per 1,000`,
      );
      return result;
    };

    // Live traffic (now) before, while and after the sweep deletes the loaded day, at
    // the rate the flusher applies it (ingested for good, not only accepted: up to
    // 50,000 accepted traces may wait for it). It applies them in groups of up to
    // 20,000, seconds apart, so each window runs from one group's end to another's:
    // before, from the end of a warm-up; during, from the sweep's start (at a group's
    // end) until the first group after the sweep; after, for as long as before.
    const sweepWhileIngesting = async () => {
      let live = 0;
      const liveTrace = () => makeTrace(live++, 1, Date.now() - 1000, 0, `${prefix}-live`);
      let accepted = 0;
      let ingesting = true;
      const posters = Array.from({ length: 4 }, async () => {
        while (ingesting) {
          const n = await post(Array.from({ length: 1_000 }, liveTrace));
          accepted += n;
        }
      });
      // Each time the applied count moves (a group's end): when, and the count.
      const ends: Array<{ t: number; applied: number; accepted: number }> = [];
      const nextEnd = async (after: number) => {
        for (;;) {
          const applied = await cp.applied();
          const last = ends[ends.length - 1];
          if (!last || applied > last.applied) ends.push({ t: performance.now(), applied, accepted });
          if (ends[ends.length - 1]!.t >= after) return ends[ends.length - 1]!;
          await sleep(50);
        }
      };
      const window = (from: { t: number; applied: number; accepted: number }, to: typeof from) => {
        const s = (to.t - from.t) / 1000;
        return {
          appliedPerSecond: round((to.applied - from.applied) / s, 0),
          acceptedPerSecond: round((to.accepted - from.accepted) / s, 0),
          seconds: round(s, 1),
        };
      };
      const measure = async () => {
        const start = await nextEnd(performance.now() + p.sweepS * 1000);
        const beforeEnd = await nextEnd(start.t + p.sweepS * 1000);
        let sweptAt = 0;
        const report = cp.sweep(Date.now() + 30 * DAY).finally(() => (sweptAt = performance.now()));
        while (!sweptAt) await nextEnd(performance.now() + 200);
        const sweepMs = sweptAt - beforeEnd.t;
        const duringEnd = await nextEnd(Math.max(performance.now(), beforeEnd.t + p.sweepS * 1000));
        const afterEnd = await nextEnd(duringEnd.t + (beforeEnd.t - start.t));
        return { start, beforeEnd, duringEnd, afterEnd, sweepMs, report: await report };
      };
      // The senders stop however the measurement ends (before the control plane does).
      const { start, beforeEnd, duringEnd, afterEnd, sweepMs, report } = await measure().finally(async () => {
        ingesting = false;
        await Promise.allSettled(posters);
      });
      const [before, during, after] = [window(start, beforeEnd), window(beforeEnd, duringEnd), window(duringEnd, afterEnd)];
      const around = (before.appliedPerSecond + after.appliedPerSecond) / 2;
      const result = {
        before,
        during,
        after,
        /** Applied during the sweep against the mean of the windows before and after it. */
        changePercent: round(((during.appliedPerSecond - around) / around) * 100, 1),
        /** Between the two windows without a sweep: how much the rate moves anyway. */
        beforeToAfterPercent: round(((after.appliedPerSecond - before.appliedPerSecond) / before.appliedPerSecond) * 100, 1),
        sweepMs: round(sweepMs, 0),
        report,
      };
      log(
        `  sweep: applied ${before.appliedPerSecond}/s before, ${during.appliedPerSecond}/s during (${result.changePercent} %), ${after.appliedPerSecond}/s after; sweep ${sweepMs.toFixed(0)} ms`,
      );
      return result;
    };

    const now = Date.now();
    const dayStart = kept?.dayStart ?? now - 2 * DAY + 7 * 60_000 + 13_000; // yesterday's traffic, not aligned to anything
    const total = kept?.stored ?? p.sizes[p.sizes.length - 1]!;
    const prefix = kept?.prefix ?? `s${randomBytes(3).toString('hex')}`;
    // The traffic's density: a day's worth by default; BENCH_SCALE_PER_DAY traces a day spreads them over less (or more) time.
    const span = process.env.BENCH_SCALE_PER_DAY ? Math.round((DAY * total) / Number(process.env.BENCH_SCALE_PER_DAY)) : DAY;
    const from = new Date(dayStart).toISOString();
    const to = new Date(dayStart + DAY).toISOString();
    const lastHourFrom = new Date(dayStart + DAY - 3_600_000).toISOString();
    const queries: Record<string, string> = {
      'summary by endpoint (24 h)': `/api/v1/usage/summary?from=${from}&to=${to}`,
      'summary by day': `/api/v1/usage/summary?from=${from}&to=${to}&groupBy=day`,
      'summary by user': `/api/v1/usage/summary?from=${from}&to=${to}&groupBy=user`,
      'summary user=u7 by model': `/api/v1/usage/summary?from=${from}&to=${to}&user=u7&groupBy=model`,
      'summary endpoint=chat by user': `/api/v1/usage/summary?from=${from}&to=${to}&endpoint=chat&groupBy=user`,
      'series hourly by endpoint (24 h)': `/api/v1/usage/series?from=${from}&to=${to}&interval=hour&groupBy=endpoint`,
      'series per minute by provider (1 h)': `/api/v1/usage/series?from=${lastHourFrom}&to=${to}&interval=minute&groupBy=provider`,
      'traces first page': '/api/v1/traces?limit=50',
      'traces user=u7': '/api/v1/traces?user=u7&limit=50',
      'traces endpoint=rare': '/api/v1/traces?endpoint=rare&limit=50',
      'traces status=502': '/api/v1/traces?status=502&limit=50',
    };

    // CPU time of the control plane and the database: on a shared machine, the
    // load-independent cost (and so the rate two idle cores would sustain).
    // Per thread of the control plane too: its busiest thread (the event loop, or the rollup thread) caps its rate.
    const cpu = () => ({ cp: cpuMs(cp.proc.pid!), db: dbPid ? cpuMs(dbPid) : 0, threads: threadCpuMs(cp.proc.pid!) });
    /** CPU ms per 1,000 traces between two readings: the control plane, its busiest thread, the database. */
    const cpuPer1000 = (from: ReturnType<typeof cpu>, to: ReturnType<typeof cpu>, traces: number) => ({
      controlPlaneMsPer1000: round(((to.cp - from.cp) * 1000) / traces, 1),
      busiestThreadMsPer1000: round((busiestThreadMs(from.threads, to.threads) * 1000) / traces, 1),
      databaseMsPer1000: round(((to.db - from.db) * 1000) / traces, 1),
    });
    const steps: Array<Record<string, unknown>> = [];
    let sent = 0;
    for (const size of kept ? [kept.stored] : p.sizes) {
      // The last tenth of this step's traces (at least 5,000) is timed: the ingest rate with `size` stored.
      const timedFrom = Math.max(sent, size - Math.max(5_000, Math.floor(size / 10)));
      let timedStart = 0;
      let cpuStart = cpu();
      let next = kept ? size : sent;
      const stepFrom = next;
      const stepStart = performance.now();
      const stepCpu = cpu();
      // The control plane's responsiveness meanwhile (what budget calls and config polls of data planes see): /healthz every 100 ms.
      const healthz: number[] = [];
      let ingesting = true;
      const probe = (async () => {
        while (ingesting) {
          const t0 = performance.now();
          await fetch(`${cp.url}/healthz`).then((r) => r.arrayBuffer());
          healthz.push(performance.now() - t0);
          await sleep(100);
        }
      })();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < size) {
            const lo = next;
            next = Math.min(size, next + 1_000);
            if (lo >= timedFrom && timedStart === 0) {
              timedStart = performance.now();
              cpuStart = cpu();
            }
            const batch = Array.from({ length: next - lo }, (_, k) => makeTrace(lo + k, total, dayStart, span, prefix));
            await post(batch);
          }
        }),
      );
      if (keptPath && !kept && size === total) fs.writeFileSync(keptPath, JSON.stringify({ dayStart, prefix, stored: size }));
      const ingestRate = kept ? NaN : ((size - timedFrom) * 1000) / (performance.now() - timedStart);
      const cpuEnd = cpu();
      const timed = size - timedFrom;
      const ingestCpu = {
        ...cpuPer1000(cpuStart, cpuEnd, timed),
      };
      sent = size;
      // Until usage counts every stored trace: how far the rollups lag ingest.
      const settleStart = performance.now();
      const counted = async () => {
        const check = await get(`/api/v1/usage/summary?from=${from}&to=${to}&groupBy=day`);
        return ((check.body?.groups as Array<{ requests: number }> | undefined) ?? []).reduce((n, g) => n + g.requests, 0);
      };
      while ((await counted()) < size && performance.now() - settleStart < 300_000) await sleep(500);
      const settleMs = performance.now() - settleStart;
      ingesting = false;
      await probe;
      // The whole step until usage counts it (ingest, then the flusher catching up): the sustained rate and its CPU.
      const settledCpu = cpu();
      const stepTraces = size - stepFrom;
      const sustained = {
        tracesPerSecond: round((stepTraces * 1000) / (performance.now() - stepStart), 0),
        ...cpuPer1000(stepCpu, settledCpu, stepTraces),
        /** GET /healthz every 100 ms meanwhile. */
        healthzMs: percentiles(healthz),
      };
      // Reads right after ingest, then again and again while rollups are built from their parts (a
      // version that builds none reports none pending), then once they are built.
      const readAll = async (
        reps: number,
        samples: Record<string, number[]> = {},
        cpuPerRead: Record<string, { controlPlane: number; database: number }> = {},
      ) => {
        for (const [name, q] of Object.entries(queries)) {
          const c0 = cpu();
          for (let k = 0; k < reps; k++) {
            const r = await get(q);
            if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
            (samples[name] ??= []).push(r.ms);
          }
          const c1 = cpu();
          cpuPerRead[name] = { controlPlane: round((c1.cp - c0.cp) / reps, 1), database: round((c1.db - c0.db) / reps, 1) };
        }
        return samples;
      };
      const summarize = (samples: Record<string, number[]>) => Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, percentiles(v)]));
      const rightAfter = summarize(await readAll(p.reps));
      const buildsStart = performance.now();
      const buildsPendingAtStart = await cp.pendingBuilds();
      const during: Record<string, number[]> = {};
      let duringRounds = 0;
      while (duringRounds < p.buildRounds && (await cp.pendingBuilds()) > 0 && performance.now() - buildsStart < 900_000) {
        await readAll(1, during);
        duringRounds++;
      }
      const buildsMs = performance.now() - buildsStart;
      const buildsPendingAtEnd = await cp.pendingBuilds();
      // BENCH_SCALE_AWAIT_BUILDS=1: then, without reads, until every build is done: what the builds cost (CPU ms per 1,000 traces of the step).
      let awaitedBuilds: { ms: number; controlPlaneMsPer1000: number; databaseMsPer1000: number; pendingAtEnd: number } | undefined;
      if (process.env.BENCH_SCALE_AWAIT_BUILDS === '1') {
        const from = cpu();
        const t0 = performance.now();
        while ((await cp.pendingBuilds()) > 0 && performance.now() - t0 < 900_000) await sleep(1_000);
        const { controlPlaneMsPer1000, databaseMsPer1000 } = cpuPer1000(from, cpu(), size - stepFrom);
        awaitedBuilds = {
          ms: round(performance.now() - t0, 0),
          controlPlaneMsPer1000,
          databaseMsPer1000,
          pendingAtEnd: await cp.pendingBuilds(),
        };
      }
      // CPU ms per read (mean over the samples) of the control plane and the database, once built: the load-independent cost.
      const cpuPerReadMs: Record<string, { controlPlane: number; database: number }> = {};
      const results = summarize(await readAll(p.reps, {}, cpuPerReadMs));
      // A second page through the cursor of the first.
      const first = await get('/api/v1/traces?limit=50');
      const cursor = (first.body as { nextCursor?: string } | undefined)?.nextCursor;
      if (cursor) {
        const samples: number[] = [];
        for (let k = 0; k < p.reps; k++) samples.push((await get(`/api/v1/traces?limit=50&cursor=${cursor}`)).ms);
        results['traces second page'] = percentiles(samples);
      }
      const dbBytes = sqliteDir ? dirBytes(sqliteDir) : undefined;
      const walBytes = sqliteDir
        ? fs
            .readdirSync(sqliteDir)
            .filter((f) => f.endsWith('-wal'))
            .reduce((n, f) => n + fs.statSync(path.join(sqliteDir, f)).size, 0)
        : undefined;
      steps.push({
        stored: size,
        countedByUsage: await counted(),
        ingestTracesPerSecond: round(ingestRate, 0),
        /** 503s the control plane answered while ingesting (each batch sent again), so far. */
        ingestBusyAnswers: busyAnswers,
        ingestCpu: {
          ...ingestCpu,
          // What two otherwise idle cores would sustain at this CPU cost (the flusher included, it runs during
          // ingest): both processes together on two cores, the control plane's busiest thread on one.
          twoIdleCoresTracesPerSecond: round(
            Math.min(1_000_000 / ingestCpu.busiestThreadMsPer1000, 2_000_000 / (ingestCpu.controlPlaneMsPer1000 + ingestCpu.databaseMsPer1000)),
            0,
          ),
        },
        settleMs: round(settleMs, 0),
        /** The whole step, from its first batch until usage counted its last trace. */
        sustainedIngest: sustained,
        ...(dbBytes !== undefined ? { databaseBytes: dbBytes, walBytes, bytesPerTrace: round((dbBytes - walBytes!) / size, 0) } : {}),
        loadAverage: os.loadavg().map((x) => round(x)),
        /** Once no rollup waits to be built. */
        queriesMs: results,
        cpuPerReadMs,
        queriesRightAfterIngestMs: rightAfter,
        /** One sample per query per round while rollups were being built (their number pending when it began). */
        queriesDuringBuildsMs: { buildsPendingAtStart, buildsPendingAtEnd, rounds: duringRounds, buildsMs: round(buildsMs, 0), ...summarize(during) },
        ...(awaitedBuilds ? { awaitedBuilds } : {}),
      });
      log(
        `  ${size} stored: ingest ${ingestRate.toFixed(0)}/s; ${Object.entries(results)
          .map(([k, v]) => `${k} ${v.p50.toFixed(1)}`)
          .join('; ')}`,
      );
    }

    if (keepDir) return { database: 'FerretDB 1.24.2 on SQLite, kept data dir', controlPlane: process.env.BENCH_CP_ROOT ?? 'this checkout', steps };
    const sweep = p.sweepS > 0 ? await sweepWhileIngesting() : undefined;
    const live = p.liveS > 0 ? await steadyLiveTraffic() : undefined;
    return {
      database: process.env.MONGODB_URI ? 'MONGODB_URI' : `FerretDB 1.24.2 on SQLite (${process.env.FERRETDB_BIN ?? 'the embedded build'})`,
      controlPlane: process.env.BENCH_CP_ROOT ?? 'this checkout',
      steps,
      sweep,
      live,
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}
