import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { loadConfig, type ControlPlaneConfig } from './config';
import { connectDatabase } from './loaders/database';
import { createLogger, type Logger } from './logger';
import { createServices, type Services } from './services';
import { warmDataplanePath } from './loaders/warm-dataplane-path';
import { migrateLegacyTraces } from './services/migrate-legacy-traces';

export interface StartOptions {
  mongoUri: string;
  /** 0 picks a free port. Default: config.port. */
  port?: number;
  host?: string;
  /** Default: loadConfig() from the environment (tests pass a complete config). */
  config?: ControlPlaneConfig;
  log?: Logger;
  validateResponses?: boolean;
}

export interface RunningControlPlane {
  url: string;
  services: Services;
  config: ControlPlaneConfig;
  /** Stops accepting, lets in-flight requests finish, releases long polls, closes the database. */
  close(): Promise<void>;
}

export async function startControlPlane(opts: StartOptions): Promise<RunningControlPlane> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? createLogger(config.logLevel, undefined, config.logFormat);
  for (const warning of config.warnings) log.warn(`WARNING: ${warning}`);

  const db = await connectDatabase(opts.mongoUri);
  const services = createServices(db.models, config, log);
  services.versions.start();
  services.budgetLedger.start();
  await services.flusher.start();
  services.retention.start();
  void migrateLegacyTraces(db.models, services.traces, log).catch((err: unknown) => log.error({ err }, 'moving old traces failed; retried at the next start'));
  services.conversationState.start();
  const app = createApp({
    config,
    services,
    log,
    ping: () => db.ping(),
    databaseUp: () => db.isUp(),
    validateResponses: opts.validateResponses ?? process.env.NODE_ENV === 'test',
  });

  // While draining, every response closes its connection, so keep-alive
  // clients (a data plane re-polling at once) cannot hold the server open.
  let draining = false;
  const server = http.createServer((req, res) => {
    if (draining) res.setHeader('Connection', 'close');
    app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.port, opts.host ?? config.host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  log.info({ url }, 'control plane listening');
  // A Kong node's first request waits for its data plane's first snapshot: answer one now (validator, queries, secret decryption, JIT), off that path.
  void warmDataplanePath(url, config.jwt, services.snapshot).catch((err: unknown) =>
    log.debug({ error: (err as Error).message }, 'warming the data-plane path failed; the first data plane pays for it'),
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    services,
    config,
    close() {
      closing ??= (async () => {
        draining = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        services.versions.stop(); // answers held long polls with 304 now instead of after `wait`
        // Kept-alive client connections (data planes) go idle only after their
        // in-flight request; keep closing idle ones until the server is down.
        server.closeIdleConnections();
        const sweeper = setInterval(() => server.closeIdleConnections(), 50);
        await stopped;
        clearInterval(sweeper);
        await services.budgetLedger.stop();
        await services.retention.stop();
        await services.flusher.stop();
        services.conversationState.stop();
        await db.close();
        log.info('control plane stopped');
      })();
      return closing;
    },
  };
}
