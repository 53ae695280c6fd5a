import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Machine chatter (data planes' long polls, trace ingest and ledger calls; probes; scrapes): debug level. */
const CHATTER = /^\/(?:api\/v1\/dataplane\/|healthz$|readyz$|metrics$)/;

/**
 * Assigns the request id (the caller's x-request-id when it is safe to echo)
 * and writes one access-log line per request: method, path, status, duration.
 * Never headers, query strings or bodies (tokens and secret values live there).
 */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const path = req.originalUrl.split('?')[0]!;
      const level = res.statusCode >= 500 ? 'error' : CHATTER.test(path) ? 'debug' : 'info';
      log[level]({ requestId, method: req.method, path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  };
}
