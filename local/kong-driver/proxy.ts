// The proxy_pass part of Kong's nginx location: the upstream request with the
// headers Kong's template sets (kong/templates/nginx_kong.lua, runloop/handler.lua
// access.before/after), retries on connection failures (proxy_next_upstream
// error timeout, tries = retries + 1), connect/read timeouts -> 504, other
// failures -> 502.
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { SERVER_HEADER } from './kong-errors';
import { headerValues, pathOf, type RequestContext } from './request-context';

export class UpstreamFailure extends Error {
  constructor(
    readonly status: 502 | 503 | 504,
    message: string,
  ) {
    super(message);
  }
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy',
  'te',
  'upgrade',
  'transfer-encoding',
  'content-length',
  'host',
  'trailer',
]);
// Set by proxy_set_header in Kong's template: they override whatever the client or plugin sent.
const KONG_MANAGED = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-path',
  'x-forwarded-prefix',
  'x-real-ip',
  'via',
  'x-kong-request-id',
]);

export function upstreamHeaders(ctx: RequestContext, bodyLength: number | undefined): Array<[string, string]> {
  const dropped = new Set(HOP_BY_HOP);
  for (const c of headerValues(ctx.headers, 'connection').join(',').split(',')) if (c.trim()) dropped.add(c.trim().toLowerCase());
  const out: Array<[string, string]> = [];
  const { scheme, host, port, hostHeader } = ctx.upstream;
  const defaultPort = scheme === 'https' ? 443 : 80;
  out.push(['Host', hostHeader ?? (port === defaultPort ? host : `${host}:${port}`)]);
  const xff = headerValues(ctx.headers, 'x-forwarded-for')[0];
  out.push(['X-Forwarded-For', xff ? `${xff}, ${ctx.clientIp}` : ctx.clientIp]);
  out.push(['X-Forwarded-Proto', 'http']);
  out.push(['X-Forwarded-Host', ctx.host]);
  out.push(['X-Forwarded-Port', String(ctx.serverPort)]);
  out.push(['X-Forwarded-Path', pathOf(ctx.requestUri)]);
  if (ctx.matchPrefix && ctx.matchPrefix !== '/') out.push(['X-Forwarded-Prefix', ctx.matchPrefix]);
  out.push(['X-Real-IP', ctx.clientIp]);
  const via = headerValues(ctx.headers, 'via')[0];
  out.push(['Via', via ? `${via}, 1.1 ${SERVER_HEADER}` : `1.1 ${SERVER_HEADER}`]);
  out.push(['X-Kong-Request-Id', ctx.id]);
  const te = headerValues(ctx.headers, 'te').join(',');
  if (te.split(',').some((t) => t.trim() === 'trailers')) out.push(['TE', 'trailers']);
  for (const [n, v] of ctx.headers) {
    const lower = n.toLowerCase();
    if (!dropped.has(lower) && !KONG_MANAGED.has(lower)) out.push([n, v]);
  }
  if (bodyLength !== undefined) out.push(['Content-Length', String(bodyLength)]);
  return out;
}

export interface UpstreamRequest {
  body?: Buffer;
  /** Client body streamed as it arrives (request_buffering off and nobody read it). */
  stream?: Readable;
  signal: AbortSignal;
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 512 }), https: new https.Agent({ keepAlive: true, maxSockets: 512 }) };

export async function sendUpstream(ctx: RequestContext, req: UpstreamRequest): Promise<http.IncomingMessage> {
  const tries = req.stream ? 1 : ctx.upstream.retries + 1; // a streamed body cannot be replayed
  let last: UpstreamFailure | undefined;
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      return await attemptOnce(ctx, req);
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      last = err;
      if (!(err as UpstreamFailure & { retryable?: boolean }).retryable || req.signal.aborted) break;
    }
  }
  throw last!;
}

function attemptOnce(ctx: RequestContext, r: UpstreamRequest): Promise<http.IncomingMessage> {
  const { scheme, host, port, uri, connectTimeout, readTimeout } = ctx.upstream;
  const path = ctx.args !== undefined ? `${uri}?${ctx.args}` : uri;
  const headers = upstreamHeaders(ctx, r.body?.length);
  return new Promise((resolve, reject) => {
    const fail = (status: 502 | 503 | 504, message: string, retryable: boolean) => {
      const e = Object.assign(new UpstreamFailure(status, message), { retryable });
      reject(e);
    };
    const lib = scheme === 'https' ? https : http;
    const req = lib.request({
      host,
      port,
      method: ctx.method,
      path,
      agent: agents[scheme],
      signal: r.signal,
      headers: headers.flatMap(([n, v]) => [n, v]) as unknown as http.OutgoingHttpHeaders,
      setHost: false,
      servername: scheme === 'https' ? (ctx.upstream.hostHeader ?? host) : undefined,
    });
    let connected = false;
    const connectTimer = setTimeout(() => {
      if (!connected) {
        req.destroy();
        fail(504, 'upstream timed out (110: Connection timed out) while connecting to upstream', true);
      }
    }, connectTimeout);
    req.on('socket', (socket) => {
      const onConnect = () => {
        connected = true;
        clearTimeout(connectTimer);
        // proxy_read_timeout: time between two successive reads.
        req.setTimeout(readTimeout, () => {
          req.destroy();
          fail(504, 'upstream timed out (110: Connection timed out) while reading response header from upstream', false);
        });
      };
      if ((socket as { connecting?: boolean }).connecting) socket.once('connect', onConnect);
      else onConnect();
    });
    req.on('response', (res) => {
      // No 'data' listener here: the body stays paused until the caller reads it.
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (r.signal.aborted) return reject(err);
      if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return fail(503, 'name resolution failed', false);
      if (!connected) return fail(502, `connect() failed (${err.code ?? err.message}) while connecting to upstream`, true);
      fail(502, `upstream prematurely closed connection (${err.code ?? err.message})`, false);
    });
    if (r.stream) r.stream.pipe(req);
    else req.end(r.body);
  });
}

/**
 * Reads the upstream body chunk by chunk. proxy_read_timeout still applies
 * between chunks: the connection is cut and the client sees a truncated body,
 * as with nginx. Resolves true when the body was complete.
 */
export function readUpstreamBody(res: http.IncomingMessage, readTimeoutMs: number, onChunk: (c: Buffer) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const idle = setTimeout(() => res.destroy(new Error('upstream read timeout')), readTimeoutMs);
    res.on('data', (c: Buffer) => {
      idle.refresh();
      onChunk(c);
    });
    res.on('end', () => resolve(true));
    res.on('error', () => resolve(false));
    res.on('close', () => {
      clearTimeout(idle);
      resolve(res.complete);
    });
  });
}
