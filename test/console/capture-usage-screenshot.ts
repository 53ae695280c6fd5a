// Not a test: regenerates docs/console-usage.png, the README's picture of the
// usage page. One fresh request through the gateway shows little, so this
// stores six hours of made-up traffic through the data planes' trace ingest
// (the path real traces take) and photographs the page that reads it.
//   node --import tsx test/console/capture-usage-screenshot.ts   (after npm run build)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFerretDB } from '../../control-plane/loaders/ferretdb';
import type { Trace } from '../../plugin/contract';
import { launchChromium, openWatchedPage } from './launch-chromium';

const OUT = resolve(__dirname, '../../docs/console-usage.png');
const HOURS = 6;

// Endpoint, provider, model, requests per minute at peak, latency and price per request.
const MIX = [
  { endpoint: 'support-chat', provider: 'anthropic', model: 'claude-sonnet-4-5', rpm: 9, latency: 1400, usd: 0.004 },
  { endpoint: 'support-chat', provider: 'openai', model: 'gpt-4o-mini', rpm: 5, latency: 900, usd: 0.0006 },
  { endpoint: 'code-review', provider: 'openai', model: 'gpt-4.1', rpm: 3, latency: 3200, usd: 0.02 },
  { endpoint: 'embed-docs', provider: 'mistral', model: 'mistral-embed', rpm: 12, latency: 180, usd: 0.00005 },
] as const;

/** Deterministic pseudo-random numbers, so the picture is the same on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function makeTraces(now: number): Trace[] {
  const rnd = random(42);
  const traces: Trace[] = [];
  for (let minute = HOURS * 60; minute > 0; minute--) {
    const start = now - minute * 60_000;
    // Busier mid-window, quieter at the edges, with noise.
    const load = 0.35 + 0.65 * Math.sin((Math.PI * minute) / (HOURS * 60));
    for (const m of MIX) {
      const count = Math.round(m.rpm * load * (0.6 + rnd() * 0.8));
      for (let i = 0; i < count; i++) {
        const failed = rnd() < (m.provider === 'openai' && minute > 150 && minute < 170 ? 0.5 : 0.02);
        const latency = m.latency * (0.5 + rnd() + (failed ? 2 : 0));
        const prompt = Math.round(200 + rnd() * 1800);
        const completion = m.endpoint === 'embed-docs' ? 0 : Math.round(50 + rnd() * 600);
        traces.push({
          id: randomUUID(),
          time: new Date(start + rnd() * 60_000).toISOString(),
          endpoint: m.endpoint,
          kind: m.endpoint === 'embed-docs' ? 'embeddings' : 'chat',
          user: ['ana', 'bo', 'chen', 'dara', 'eli'][Math.floor(rnd() * 5)]!,
          ingress: 'openai',
          stream: m.endpoint !== 'embed-docs',
          status: failed ? 502 : 200,
          provider: m.provider,
          model: m.model,
          attempts: [{ destinationId: m.provider, provider: m.provider, model: m.model, status: failed ? 503 : 200, latencyMs: latency }],
          usage: failed ? undefined : { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
          costUsd: failed ? 0 : m.usd * (0.5 + rnd()),
          latencyMs: latency,
          overheadMs: 1 + rnd() * 3,
          ...(m.endpoint !== 'embed-docs' && !failed ? { ttftMs: latency * 0.3 } : {}),
        });
      }
    }
  }
  return traces;
}

async function main(): Promise<void> {
  const dbDir = mkdtempSync(join(tmpdir(), 'usage-shot-db-'));
  const db = await startFerretDB({ dataDir: dbDir });
  process.env.MONGODB_URI = db.uri;
  const { startStack } = await import('../e2e/stack');
  const stack = await startStack();
  try {
    const traces = makeTraces(Date.now());
    for (let i = 0; i < traces.length; i += 1000) {
      const res = await fetch(`${stack.controlPlane.url}/api/v1/dataplane/traces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.dataplaneToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ traces: traces.slice(i, i + 1000) }),
      });
      if (!res.ok) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
    }
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const { page, cspViolations } = await openWatchedPage(context, stack.controlPlane.url);
    await page.goto(`${stack.controlPlane.url}/console/`);
    await page.getByLabel('Token').fill(stack.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Endpoints', level: 1 }).waitFor();
    await page.goto(`${stack.controlPlane.url}/console/#/usage?range=6h&groupBy=endpoint&interval=minute`);
    await page.locator('tr[data-group="support-chat"]').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: OUT, fullPage: true });
    await browser.close();
    if (cspViolations.length) throw new Error(`CSP violations: ${cspViolations.join('; ')}`);
    console.log(`${traces.length} traces; wrote ${OUT}`);
  } finally {
    await stack.close();
    await db.stop();
    rmSync(dbDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
