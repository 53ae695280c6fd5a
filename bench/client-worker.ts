// The load-generating client, in its own process so that neither autocannon
// nor the stream readers share an event loop with the gateway under test.
// The harness forks it once (bench/client.ts) and sends it jobs over IPC:
//   load         autocannon run; EVERY response latency is recorded through
//                the instance's per-response event, not autocannon's histogram
//   streams      SSE streams; arrival time of every content event
//   open-streams opens N streams, reports once each has its first content
//                event, then waits for `close-streams` and their end
//   interleaved  one request at a time to each target in turn, N rounds: on a
//                shared machine every target sees the same moments of load
import http from 'node:http';
import autocannon from 'autocannon';

export interface LoadJob {
  type: 'load';
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
  /** Requests per second over all connections (autocannon overallRate). */
  overallRate?: number;
  timeoutS?: number;
}

export interface LoadResult {
  latenciesMs: number[];
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  elapsedMs: number;
  requests: number;
}

export interface StreamsJob {
  type: 'streams';
  url: string;
  headers?: Record<string, string>;
  body: string;
  count: number;
  concurrency: number;
}

export interface StreamSample {
  status: number;
  /** Request start to the first content event. */
  ttftMs: number;
  /** Arrival times of content events relative to the request start. */
  arrivalsMs: number[];
  /** Socket reads that carried more than one content event (coalescing). */
  coalescedReads: number;
  totalMs: number;
  error?: string;
}

export interface OpenStreamsJob {
  type: 'open-streams';
  /** Names this group of streams for close-streams. */
  key: string;
  url: string;
  headers?: Record<string, string>;
  body: string;
  count: number;
}

export interface InterleavedJob {
  type: 'interleaved';
  targets: Array<{ name: string; url: string; body: string; headers?: Record<string, string> }>;
  headers?: Record<string, string>;
  rounds: number;
  /** Rounds run first and thrown away (connections, JIT, caches). */
  warmupRounds?: number;
}

type Job = LoadJob | StreamsJob | OpenStreamsJob | InterleavedJob | { type: 'close-streams'; key: string } | { type: 'exit' };

/** Latencies (ms) per target name; non-2xx answers counted apart. */
async function runInterleaved(job: InterleavedJob): Promise<{ latenciesMs: Record<string, number[]>; non2xx: Record<string, number> }> {
  const agents = job.targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const latenciesMs: Record<string, number[]> = Object.fromEntries(job.targets.map((t) => [t.name, []]));
  const non2xx: Record<string, number> = Object.fromEntries(job.targets.map((t) => [t.name, 0]));
  let record = true;
  const once = (i: number) =>
    new Promise<void>((resolve) => {
      const t = job.targets[i];
      const t0 = process.hrtime.bigint();
      const req = http.request(
        t!.url,
        { method: 'POST', agent: agents[i], headers: { ...job.headers, ...t!.headers, 'content-length': String(Buffer.byteLength(t!.body)) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (!record) return resolve();
            latenciesMs[t!.name]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if ((res.statusCode ?? 0) >= 300) non2xx[t!.name]!++;
            resolve();
          });
        },
      );
      req.on('error', () => (record && non2xx[t!.name]!++, resolve()));
      req.end(t!.body);
    });
  for (let r = -(job.warmupRounds ?? 0); r < job.rounds; r++) {
    record = r >= 0;
    // A different order each round, so no target always follows another.
    const order = job.targets.map((_, i) => i).sort(() => Math.random() - 0.5);
    for (const i of order) await once(i);
  }
  for (const a of agents) a.destroy();
  return { latenciesMs, non2xx };
}

const CONTENT = /tok\d+/g;

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let errors = 0;
    let timeouts = 0;
    const started = performance.now();
    const instance = autocannon(
      {
        url: job.url,
        method: job.method ?? 'POST',
        headers: job.headers,
        body: job.body,
        connections: job.connections,
        duration: job.durationS,
        overallRate: job.overallRate,
        timeout: job.timeoutS ?? 30,
      },
      (err) => {
        if (err) return reject(err);
        resolve({ latenciesMs: latencies, statuses, errors, timeouts, elapsedMs: performance.now() - started, requests: latencies.length });
      },
    );
    // (client, statusCode, resBytes, responseTime): one event per response, so the full sample.
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
    instance.on('reqError', () => errors++);
    instance.on('timeout', () => timeouts++);
  });
}

function oneStream(agent: http.Agent, url: string, headers: Record<string, string>, body: string, onFirst?: () => void): Promise<StreamSample> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const arrivals: number[] = [];
    let coalesced = 0;
    let pending = '';
    let status = 0;
    let firstSeen = false;
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const now = performance.now() - t0;
          pending += text;
          const cut = pending.lastIndexOf('\n\n');
          if (cut === -1) return;
          const complete = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          const n = complete.match(CONTENT)?.length ?? 0;
          if (n > 1) coalesced++;
          for (let i = 0; i < n; i++) arrivals.push(now);
          if (n > 0 && !firstSeen) {
            firstSeen = true;
            onFirst?.();
          }
        });
        res.on('end', () =>
          resolve({
            status,
            ttftMs: arrivals[0] ?? NaN,
            arrivalsMs: arrivals,
            coalescedReads: coalesced,
            totalMs: performance.now() - t0,
            ...(status !== 200 ? { error: pending.slice(0, 160) } : {}),
          }),
        );
        res.on('error', (err) =>
          resolve({ status, ttftMs: arrivals[0] ?? NaN, arrivalsMs: arrivals, coalescedReads: coalesced, totalMs: performance.now() - t0, error: err.message }),
        );
      },
    );
    req.on('error', (err) => {
      if (!firstSeen) onFirst?.();
      resolve({ status, ttftMs: NaN, arrivalsMs: arrivals, coalescedReads: coalesced, totalMs: performance.now() - t0, error: err.message });
    });
    req.end(body);
  });
}

async function runStreams(job: StreamsJob): Promise<StreamSample[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const out: StreamSample[] = [];
  let next = 0;
  const lane = async () => {
    while (next < job.count) {
      next++;
      out.push(await oneStream(agent, job.url, job.headers ?? {}, job.body));
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  agent.destroy();
  return out;
}

const openStreams = new Map<string, { done: Promise<StreamSample[]>; agent: http.Agent }>();

async function openMany(job: OpenStreamsJob): Promise<{ opened: number; failed: number; reasons: Record<string, number>; ms: number }> {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const t0 = performance.now();
  let firsts = 0;
  let resolveAll!: () => void;
  const allFirst = new Promise<void>((r) => (resolveAll = r));
  const streams = Array.from({ length: job.count }, () =>
    oneStream(agent, job.url, job.headers ?? {}, job.body, () => {
      if (++firsts === job.count) resolveAll();
    }),
  );
  const done = Promise.all(streams);
  openStreams.set(job.key, { done, agent });
  await Promise.race([allFirst, done.then(() => undefined)]);
  const ms = performance.now() - t0;
  const samples = await Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10))]);
  const bad = samples ? samples.filter((s) => s.status !== 200 || s.error) : [];
  return { opened: firsts, failed: bad.length, reasons: countFailures(bad), ms };
}

/** Failed streams by status and what they said (request ids left out, so that alike ones count together). */
function countFailures(bad: StreamSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of bad) {
    const key = `${s.status} ${(s.error ?? '').replace(/"request_id":\s*"[^"]*"/, '').replace(/\s+/g, ' ')}`.trim().slice(0, 100);
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function handle(job: Job): Promise<unknown> {
  switch (job.type) {
    case 'load':
      return runLoad(job);
    case 'streams':
      return runStreams(job);
    case 'open-streams':
      return openMany(job);
    case 'interleaved':
      return runInterleaved(job);
    case 'close-streams': {
      const open = openStreams.get(job.key);
      if (!open) return { completed: 0, failed: 0 };
      openStreams.delete(job.key);
      const samples = await open.done;
      open.agent.destroy();
      const bad = samples.filter((s) => s.status !== 200 || s.error);
      return { completed: samples.length - bad.length, failed: bad.length, reasons: countFailures(bad) };
    }
    case 'exit':
      process.exit(0);
  }
}

if (require.main === module) {
  process.on('message', (msg: { id: number; job: Job }) => {
    handle(msg.job).then(
      (result) => process.send!({ id: msg.id, result }),
      (err: Error) => process.send!({ id: msg.id, error: err.stack ?? err.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
