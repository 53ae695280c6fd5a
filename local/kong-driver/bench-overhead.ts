// Measures the driver's own per-request cost with the no-op plugin:
// node --import tsx local/kong-driver/bench-overhead.ts [requests]
// Reports p50/p90/p99 of driverMs (total minus plugin-server wait minus upstream)
// and of the whole request, over sequential kept-alive requests.
import http from 'node:http';
import path from 'node:path';
import { startKongDriver } from './gateway';
import { startUpstream } from './test-helpers';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  const up = await startUpstream();
  const d = await startKongDriver({
    pluginsDir: path.resolve(__dirname, '../../test/fixtures/kong-plugins/noop'),
    kongYml: { _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }], plugins: [{ name: 'noop' }] },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      http.get(`${d.url}/x`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
  for (let i = 0; i < 100; i++) {
    await get(); // warm-up
    await d.nextRequestStats();
  }
  const driver: number[] = [];
  const total: number[] = [];
  const plugin: number[] = [];
  for (let i = 0; i < n; i++) {
    await get();
    const s = await d.nextRequestStats();
    driver.push(s.driverMs);
    total.push(s.totalMs);
    plugin.push(s.pluginServerMs);
  }
  const pct = (xs: number[], p: number) => ([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN).toFixed(3);
  for (const [name, xs] of [
    ['driver', driver],
    ['plugin server', plugin],
    ['total', total],
  ] as const) {
    process.stdout.write(`${name.padEnd(14)} p50 ${pct(xs, 50)} ms  p90 ${pct(xs, 90)} ms  p99 ${pct(xs, 99)} ms  (n=${n})\n`);
  }
  agent.destroy();
  await d.close();
  await up.close();
}

void main();
