// The control plane for the traces-at-scale scenario, as its own process
// (the load generator does not share its event loop). Started with fork();
// answers {type:'sweep', now} with the retention sweep's report (the
// scenario sweeps "a month later" to delete a day's worth while ingesting)
// {type:'pendingBuilds'} with how many rollups wait to be built, and
// {type:'applied'} with how many traces the flusher has applied so far.
// BENCH_CP_ROOT: another checkout's root, to measure an earlier version.
import path from 'node:path';

async function main() {
  const root = process.env.BENCH_CP_ROOT ? path.resolve(process.env.BENCH_CP_ROOT) : path.resolve(__dirname, '../..');
  const { loadConfig } = (await import(path.join(root, 'dist/control-plane/config.js'))) as typeof import('../control-plane/config');
  const { startControlPlane } = (await import(path.join(root, 'dist/control-plane/server.js'))) as typeof import('../control-plane/server');
  const { createLogger } = (await import(path.join(root, 'dist/control-plane/logger.js'))) as typeof import('../control-plane/logger');
  const config = loadConfig();
  const cp = await startControlPlane({ mongoUri: process.env.MONGODB_URI!, config, log: createLogger(config.logLevel), validateResponses: false });
  process.on('message', (m: { type: string; now?: number }) => {
    // Rollups still to be built from their parts (0 for a version that builds none).
    if (m.type === 'pendingBuilds') {
      const flusher = (cp.services as { flusher?: { pendingBuilds?: () => number } }).flusher;
      process.send!({ type: 'pendingBuilds', n: flusher?.pendingBuilds?.() ?? 0 });
      return;
    }
    // Traces applied to usage and the list index so far: ingested for good, not only accepted.
    if (m.type === 'applied') {
      const flusher = (cp.services as { flusher?: { applied?: () => number } }).flusher;
      process.send!({ type: 'applied', n: flusher?.applied?.() ?? 0 });
      return;
    }
    if (m.type !== 'sweep') return;
    const retention = (cp.services as { retention?: { sweep(now: Date): Promise<unknown> } }).retention;
    if (!retention) {
      process.send!({ type: 'swept', report: null });
      return;
    }
    retention.sweep(new Date(m.now!)).then(
      (report) => process.send!({ type: 'swept', report }),
      (err: Error) => process.send!({ type: 'swept', error: err.message }),
    );
  });
  process.once('SIGTERM', () => void cp.close().then(() => process.exit(0)));
  process.send!({ type: 'ready', url: cp.url });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
