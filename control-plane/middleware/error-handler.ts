// The single place errors become responses: {"error":{"code","message","details"}}.
import type { NextFunction, Request, Response } from 'express';
import { ApiError, type ErrorDetail } from '../errors';
import type { Logger } from '../logger';
import { databaseUnavailable } from './require-database';

interface ValidatorError {
  status: number;
  message?: string;
  errors?: Array<{ path?: string; message?: string; errorCode?: string }>;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** "/body/destinations/0/weight" -> "body.destinations[0].weight" */
function fieldName(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return path
    .replace(/^[./]/, '')
    .split(/[./]/)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

function fromValidator(err: ValidatorError, req: Request): ApiError {
  const code = err.status >= 500 ? 'response_validation_failed' : (CODE_BY_STATUS[err.status] ?? 'request_rejected');
  if (err.status === 404) return new ApiError(404, code, `no such route: ${req.method} ${req.path}`);
  if (err.status === 405) return new ApiError(405, code, `method ${req.method} is not allowed on ${req.path}`);
  if (err.status !== 400) {
    // Security and media-type errors: the first message already says what is wrong.
    return new ApiError(err.status, code, err.errors?.[0]?.message ?? err.message ?? 'request rejected');
  }
  const details: ErrorDetail[] = (err.errors ?? []).map((e) => ({ field: fieldName(e.path), message: e.message ?? 'is invalid' }));
  const message = details.length ? details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ') : (err.message ?? 'request rejected');
  return new ApiError(400, code, message, details.length ? details : undefined);
}

/** The driver's ways of saying the database cannot be reached (mongodb and mongoose error classes). */
const UNREACHABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
]);

function toApiError(err: unknown, req: Request): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const e = err as { name?: string; message?: string; type?: string; status?: number; statusCode?: number; errors?: unknown } | null | undefined;
  if (UNREACHABLE.has(e?.name ?? '') || /buffering timed out/.test(e?.message ?? '')) return databaseUnavailable();
  // body-parser failures carry a `type`.
  if (e?.type === 'entity.parse.failed') return new ApiError(400, 'invalid_json', 'body: is not valid JSON');
  if (e?.type === 'entity.too.large') return new ApiError(413, 'payload_too_large', 'body: is larger than the 10 MB limit');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new ApiError(415, 'unsupported_media_type', 'body: unsupported encoding or charset');
  }
  // express-openapi-validator errors (request/security/response validation) carry a status.
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 600) return fromValidator(e as ValidatorError, req);
  return undefined;
}

export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const apiError = toApiError(err, req);
    const requestId = res.locals.requestId as string | undefined;
    if (!apiError || (apiError.status >= 500 && apiError.code !== 'database_unavailable')) {
      log.error({ requestId, path: req.path, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, 'request failed');
    }
    const out = apiError ?? new ApiError(500, 'internal_error', `internal error; see the control-plane log for request ${String(requestId)}`);
    if (res.headersSent) return;
    res.status(out.status).json({ error: { code: out.code, message: out.message, ...(out.details ? { details: out.details } : {}) } });
  };
}
