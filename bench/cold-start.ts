// The first request a new plugin server answers (issue 13: ≤ 50 ms added).
// Kong starts one at `kong start` and at every `kong reload`; here the nginx
// stand-in reloads (as Kong does: a new plugin server, the old one drained)
// and the first request goes either at once, when the new plugin server's
// socket and nginx answer, or after a pause. Each request opens its own
// connection (a reload closes nginx's idle ones), and so does each direct
// call it is compared with.
import http from 'node:http';
import { percentiles, round, sleep } from './lib';
import type { Profile } from './scenarios';
import { CHAT_BODY, type Env } from './setup';

const fresh = new http.Agent({ keepAlive: false });

function timed(url: string, body: string): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: fresh,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const PAUSES_MS = [0, 1000, 4000];

export async function coldStart(env: Env, p: Profile, log: (s: string) => void) {
  const driver = env.stack.driver as typeof env.stack.driver & { reload?: () => Promise<void> };
  if (!driver.reload) return { skipped: `the ${env.stack.driver.kind} stand-in cannot reload` };
  const reload = driver.reload.bind(driver);
  const body = CHAT_BODY(env.endpoints.openai);
  const gateway = `${env.stack.openaiBaseUrl}/chat/completions`;
  const direct = `${env.fake.url}/v1/chat/completions`;
  const directMs: number[] = [];
  for (let i = 0; i < 50; i++) directMs.push((await timed(direct, body)).ms);
  const base = percentiles(directMs).p50;
  const rounds = p.measureS >= 10 ? 3 : 1;
  const runs: Array<{ pauseMs: number; firstAddedMs: number; secondAddedMs: number }> = [];
  for (let r = 0; r < rounds; r++)
    for (const pauseMs of PAUSES_MS) {
      await reload();
      await sleep(pauseMs);
      const first = await timed(gateway, body);
      const second = await timed(gateway, body);
      if (first.status !== 200 || second.status !== 200) throw new Error(`after a reload the gateway answered ${first.status}, then ${second.status}`);
      runs.push({ pauseMs, firstAddedMs: round(first.ms - base), secondAddedMs: round(second.ms - base) });
      await sleep(3_000); // the old plugin server drains and exits; the new spare is made
    }
  const byPause = PAUSES_MS.map((pauseMs) => {
    const firsts = runs.filter((x) => x.pauseMs === pauseMs).map((x) => x.firstAddedMs);
    return { pauseMs, firstAddedMs: firsts, median: round(percentiles(firsts).p50) };
  });
  for (const b of byPause) log(`  first request ${b.pauseMs} ms after the new plugin server is ready: added ${b.firstAddedMs.join(', ')} ms`);
  return {
    method:
      'nginx stand-in reloaded (a new plugin server, as kong reload starts); the first request after a pause from the moment its socket and nginx answer; added = that request - the p50 of 50 direct calls, each on a new connection',
    directP50Ms: round(base),
    runs,
    byPause,
  };
}
