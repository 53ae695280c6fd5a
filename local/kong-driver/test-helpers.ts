// Shared pieces for the driver's own tests: a recording upstream and a driver
// started against one of the fixture plugins.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startKongDriver, type KongDriver } from './gateway';

export const FIXTURES = path.resolve(__dirname, '../../test/fixtures/kong-plugins');

export interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface Upstream {
  port: number;
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** An upstream that records every request and answers with `handler` (default: JSON echo). */
export async function startUpstream(handler?: Handler): Promise<Upstream> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      if (handler) return handler(req, res, body);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** kong.yml with one service/route and the plugin applied globally (or not at all). */
export function simpleYml(plugin: string, upstreamUrl: string, opts: { config?: object; route?: object; global?: boolean } = {}) {
  return {
    _format_version: '3.0',
    services: [{ name: 'svc', url: upstreamUrl, routes: [{ name: 'r', paths: ['/api'], ...(opts.route ?? {}) }] }],
    plugins: opts.global === false ? [] : [{ name: plugin, config: opts.config ?? {} }],
  };
}

export async function withDriver(
  plugin: string,
  kongYml: Record<string, unknown>,
  fn: (d: KongDriver) => Promise<void>,
  extra: { clientBodyBufferSize?: number; pluginsDir?: string } = {},
): Promise<void> {
  const d = await startKongDriver({ kongYml, pluginsDir: extra.pluginsDir ?? path.join(FIXTURES, plugin), clientBodyBufferSize: extra.clientBodyBufferSize });
  try {
    await fn(d);
  } finally {
    await d.close();
  }
}
