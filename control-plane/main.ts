// Process entry: node dist/control-plane/main.js
// Without MONGODB_URI (local mode only) an embedded FerretDB runs in the data dir.
import fs from 'node:fs';
import path from 'node:path';
import { localUriFile } from './local-keys';
import { forgetLocalStack, recordLocalStack } from './local-stack';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startControlPlane } from './server';
import { lowerPriority } from './process-priority';

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel, undefined, config.logFormat);
  // Before the embedded database starts: it inherits the value.
  if (config.nice) lowerPriority(process.pid, config.nice, { warn: (o, m) => log.warn(o, m) });
  let mongoUri = config.mongoUri;
  let stopDatabase: () => Promise<void> = () => Promise.resolve();
  if (!mongoUri) {
    const { startFerretDB } = await import('./loaders/ferretdb');
    const ferret = await startFerretDB({ dataDir: path.join(config.dataDir, 'ferretdb') }); // stops with us, even on SIGKILL
    mongoUri = `${ferret.uri}kong-llm-gateway`;
    stopDatabase = () => ferret.stop();
    fs.writeFileSync(localUriFile(config.dataDir), mongoUri + '\n');
    log.warn({ mongoUri }, 'MONGODB_URI is not set: using an embedded FerretDB (SQLite) in the data dir');
  }
  const cp = await startControlPlane({ mongoUri, config, log });
  // A launcher that started us with an IPC channel (npm start) learns that this process, not another, is up.
  process.send?.({ type: 'ready', url: cp.url });
  process.channel?.unref();
  // Local keys: tell the token CLI (in another shell) which data dir holds them.
  const usesLocalKeys = !config.production && !process.env.JWT_SECRET && !process.env.JWT_PUBLIC_KEY;
  if (usesLocalKeys) recordLocalStack({ dataDir: config.dataDir, url: cp.url, pid: process.pid });

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    await cp.close();
    await stopDatabase();
    forgetLocalStack(process.pid);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  // Started by a launcher (npm start) that died without stopping us: nobody else will.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (parent > 1 && process.ppid !== parent) {
      clearInterval(watch);
      void shutdown('parent process gone');
    }
  }, 1_000);
  watch.unref();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : err);
  process.exit(1);
});
