// The data server (in the plugin server's data-plane worker thread). External Kong plugins cannot write a response
// body in pieces, so the plugin's access phase only admits the request and
// points Kong's upstream here; Kong then proxies the client's request to this
// server and streams its answer back unbuffered (route response_buffering
// off). Here the request is translated, routed, retried and traced.
//
// It counts the requests in flight so that a stop can drain: stop accepting
// connections, let every request and stream in flight finish (within a grace
// period), and only then go.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody, sendJson } from '../ingress/send-json';
import { log } from '../log';
import type { Runtime } from './worker-runtime';
import { routeRequest } from './route-request';
import { TICKET_HEADER } from './tickets';
import { holdAnswerEnd } from '../ingress/answer-end';
import { headerOf } from '../pipeline/request-headers';

export interface DataServer {
  readonly port: number;
  /** Requests being handled (streams included). */
  inFlight(): number;
  /**
   * Keeps no connection for another request, and waits (at most `graceMs`)
   * until the requests in flight are done and `admittedArrived` says every
   * request admitted before has come in; whatever still runs then is cut.
   * Resolves when closed.
   */
  drain(graceMs: number, admittedArrived?: () => boolean): Promise<{ served: number; cut: number }>;
  close(): Promise<void>;
}

export type RuntimeCore = Omit<Runtime, 'server'>;

export function startDataServer(rt: RuntimeCore, host: string, port: number): Promise<DataServer> {
  let inFlight = 0;
  /** Handlers still running: a cut request's handler still has its trace to write. */
  let handling = 0;
  const handled = new Set<() => void>();
  let served = 0;
  let servedBefore = 0;
  let draining = false;
  const idle = new Set<() => void>();
  const server = createServer((req, res) => {
    inFlight++;
    // While draining, no connection is kept for another request.
    if (draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      served++;
      if (--inFlight === 0) for (const wake of idle) wake();
    });
    handling++;
    void serve(rt, req, res).finally(() => {
      if (--handling === 0) for (const wake of handled) wake();
    });
  });
  server.keepAliveTimeout = 65_000; // longer than nginx's upstream keepalive_timeout (60 s)
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // streams may run long; the provider timeouts bound them

  const drain = async (graceMs: number, admittedArrived: () => boolean = () => true) => {
    draining = true;
    servedBefore = served;
    const deadline = Date.now() + graceMs;
    server.closeIdleConnections();
    // Listening goes on (tickets only) until every request already admitted has arrived and finished.
    while ((inFlight > 0 || !admittedArrived()) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(50, Math.max(0, deadline - Date.now())));
        function done() {
          clearTimeout(timer);
          idle.delete(done);
          resolve();
        }
        idle.add(done);
      });
      // A kept-alive connection goes idle only after its request: keep closing idle ones.
      server.closeIdleConnections();
    }
    const cut = inFlight;
    if (cut > 0) log.warn('data server: grace period over; cutting the requests still running', { cut, graceMs });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    // The handlers of cut requests finish (and write their traces) before the caller stops the shipper.
    if (handling > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 5_000);
        function done() {
          clearTimeout(timer);
          handled.delete(done);
          resolve();
        }
        handled.add(done);
      });
    }
    return { served: served - servedBefore, cut };
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        inFlight: () => inFlight,
        drain,
        close: () => closeServer(server),
      });
    });
  });
}

/**
 * Not an async function: its frame would stay suspended for as long as the request runs, minutes for a
 * stream, holding what it holds; the request's promise and these two callbacks are all that stays.
 */
function serve(rt: RuntimeCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const claims = rt.tickets.redeem(headerOf(req, TICKET_HEADER));
  if (!claims) {
    req.resume();
    sendJson(res, 403, errorBody('This port only serves requests forwarded by the llm-gateway Kong plugin.', 'permission_error', 'ticket_required'));
    return Promise.resolve();
  }
  // Whatever a client saw finish has its trace in the spool (../ingress/answer-end.ts).
  const release = holdAnswerEnd(res);
  return routeRequest(rt, req, res, claims).then(release, (err: unknown) => {
    // A bug must still end the request properly (and is logged without payloads).
    log.error('data server: unhandled error', { error: (err as Error).stack ?? String(err) });
    release();
    if (!res.headersSent) sendJson(res, 500, errorBody('The gateway failed to handle this request.', 'server_error', 'internal_error'));
    else res.destroy();
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
