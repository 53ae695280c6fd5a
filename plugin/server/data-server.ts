// The data server (in the plugin server's data-plane worker thread). External Kong plugins cannot write a response
// body in pieces, so the plugin's access phase only admits the request and
// points Kong's upstream here; Kong then proxies the client's request to this
// server and streams its answer back unbuffered (route response_buffering
// off). Here the request is translated, routed, retried and traced.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody, sendJson } from '../ingress/send-json';
import { log } from '../log';
import type { Runtime } from '../data-plane';
import { routeRequest } from './route-request';
import { TICKET_HEADER } from './tickets';

export interface DataServer {
  readonly port: number;
  close(): Promise<void>;
}

export type RuntimeCore = Omit<Runtime, 'server'>;

export function startDataServer(rt: RuntimeCore, host: string, port: number): Promise<DataServer> {
  const server = createServer((req, res) => void serve(rt, req, res));
  server.keepAliveTimeout = 65_000; // longer than nginx's upstream keepalive_timeout (60 s)
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams may run long; the provider timeouts bound them
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ port: (server.address() as AddressInfo).port, close: () => closeServer(server) });
    });
  });
}

async function serve(rt: RuntimeCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const claims = rt.tickets.redeem(header(req, TICKET_HEADER));
  if (!claims) {
    req.resume();
    sendJson(res, 403, errorBody('This port only serves requests forwarded by the llm-gateway Kong plugin.', 'permission_error', 'ticket_required'));
    return;
  }
  try {
    await routeRequest(rt, req, res, claims);
  } catch (err) {
    // A bug must still end the request properly (and is logged without payloads).
    log.error('data server: unhandled error', { error: (err as Error).stack ?? String(err) });
    sendJson(res, 500, errorBody('The gateway failed to handle this request.', 'server_error', 'internal_error'));
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
