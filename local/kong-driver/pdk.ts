// Kong's side of the PDK: each method behaves like the Lua function Kong's
// `exposed_api` resolves it to (kong/runloop/plugin_servers/plugin.lua and
// kong/pdk/*.lua), against the current RequestContext. A Lua `error()` becomes a
// LuaError; `kong.response.exit` ends the phase (Kong yields the coroutine or
// calls ngx.exit) and is signalled by returning EXITED.
import os from 'node:os';
import type { DeclarativeConfig } from './declarative';
import { cjsonEncode, errorBody, responseType, SERVER_HEADER } from './kong-errors';
import type { DriverLogger, LogLevel } from './logger';
import { headerValues, removeHeader, type MultiValue, type Phase, type RequestContext } from './request-context';

export class LuaError extends Error {}
export const EXITED = Symbol('kong.response.exit ended the request');

export interface PdkEnv {
  config: DeclarativeConfig;
  nodeId: string;
  logger: DriverLogger;
  pluginName: string;
}

type PdkFn = (ctx: RequestContext, args: unknown[], env: PdkEnv) => unknown;

const MAX_HEADERS = 100;
const MAX_QUERY_ARGS = 100;
const HTTP_METHODS = new Set([
  'GET',
  'HEAD',
  'PUT',
  'POST',
  'DELETE',
  'OPTIONS',
  'MKCOL',
  'COPY',
  'MOVE',
  'PROPFIND',
  'PROPPATCH',
  'LOCK',
  'UNLOCK',
  'PATCH',
  'TRACE',
]);

// Which phases each PDK group accepts (phase_checker in kong/pdk/*.lua).
const REWRITE_ACCESS: Phase[] = ['rewrite', 'access'];
const ACCESS: Phase[] = ['access'];
const BEFORE_CONTENT: Phase[] = ['rewrite', 'access', 'response'];
const RESPONSE_WRITE: Phase[] = ['rewrite', 'access', 'response'];

// The log phase runs in a timer (plugin.lua build_phases): only the overrides in
// `exposed_api` and functions reading ngx.ctx work; anything touching ngx.req or
// ngx.var raises "API disabled in the context of ngx.timer".
const LOG_SAFE = new Set([
  'kong.request.get_headers',
  'kong.request.get_header',
  'kong.request.get_start_time',
  'kong.request.get_uri_captures',
  'kong.response.get_status',
  'kong.response.get_headers',
  'kong.response.get_header',
  'kong.response.get_source',
  'kong.ctx.shared.get',
  'kong.ctx.shared.set',
  'kong.nginx.get_ctx',
  'kong.nginx.set_ctx',
  'kong.nginx.req_start_time',
  'kong.log.serialize',
  'kong.client.get_consumer',
  'kong.client.get_credential',
  'kong.client.load_consumer',
  'kong.router.get_route',
  'kong.router.get_service',
  'kong.node.get_id',
  'kong.node.get_hostname',
  'kong.plugin.get_id',
  'kong.nginx.get_subsystem',
  'kong.ip.is_trusted',
]);

function phase(ctx: RequestContext, name: string, allowed: Phase[]): void {
  if (!allowed.includes(ctx.phase)) throw new LuaError(`function cannot be called in ${ctx.phase} phase (${name})`);
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new LuaError(`${what} must be a string`);
  return v;
}

/** A Lua string may arrive as msgpack str (JS string) or bin (Uint8Array). */
function luaBytes(v: unknown): Buffer | undefined {
  if (typeof v === 'string') return Buffer.from(v);
  if (v instanceof Uint8Array) return Buffer.from(v);
  return undefined;
}

function headerValue(v: unknown, name: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new LuaError(`invalid header value for "${name}": got ${v === null || v === undefined ? 'nil' : typeof v}, expected string, number or boolean`);
}

function headerList(headers: unknown): Array<[string, string]> {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== 'object' || Array.isArray(headers)) throw new LuaError('headers must be a nil or table');
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, headerValue(v, name)]);
  }
  return out;
}

/** ngx.req.get_headers(max): lower-cased names, repeated headers as arrays. */
export function headersTable(list: Array<[string, string]>, max = MAX_HEADERS): Record<string, MultiValue> {
  const out: Record<string, MultiValue> = {};
  for (const [name, value] of list.slice(0, max)) addMulti(out, name.toLowerCase(), value);
  return out;
}

/** ngx.req.get_uri_args(max): `flag` without `=` is `true`, repeated keys are arrays. */
export function queryTable(args: string | undefined, max = MAX_QUERY_ARGS): Record<string, MultiValue> {
  const out: Record<string, MultiValue> = {};
  if (!args) return out;
  let count = 0;
  for (const part of args.split('&')) {
    if (part === '' || count >= max) continue;
    const eq = part.indexOf('=');
    const key = unescape(eq === -1 ? part : part.slice(0, eq));
    if (key === '') continue;
    count++;
    addMulti(out, key, eq === -1 ? true : unescape(part.slice(eq + 1)));
  }
  return out;
}

function unescape(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function addMulti(out: Record<string, MultiValue>, key: string, value: string | true): void {
  const prev = out[key];
  if (prev === undefined) out[key] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else out[key] = [prev, value];
}

/** kong.tools.http.encode_args: keys sorted, `true` as a bare flag, arrays repeated. */
function encodeArgs(args: unknown): string {
  if (typeof args !== 'object' || args === null) throw new LuaError('args must be a table');
  const parts: string[] = [];
  for (const key of Object.keys(args).sort()) {
    const value = (args as Record<string, unknown>)[key];
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === true) parts.push(encodeURIComponent(key));
      else if (v === false) continue;
      else parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
    }
  }
  return parts.join('&');
}

function firstHeader(list: Array<[string, string]>, name: unknown): string | undefined {
  // ngx.req.get_headers' __index normalizes: lower case and "_" to "-".
  return headerValues(list, str(name, 'header name').replace(/_/g, '-'))[0];
}

function requestPath(ctx: RequestContext): string {
  const q = ctx.requestUri.indexOf('?', 1);
  return q === -1 ? ctx.requestUri : ctx.requestUri.slice(0, q);
}

async function rawBody(ctx: RequestContext, max: unknown): Promise<Buffer | undefined> {
  if (ctx.body.replaced) return ctx.body.replaced;
  const body = await ctx.body.read();
  if (body.length <= ctx.clientBodyBufferSize) return body;
  // nginx spilled it to a temp file. Kong 3.9 reads the file only when the
  // caller passes a maximum size and the file fits under it.
  if (typeof max !== 'number' || body.length > max) return undefined;
  return body;
}

function logLine(level: LogLevel): PdkFn {
  return (_ctx, args, env) => {
    const text = args
      .map((a) =>
        a === null || a === undefined
          ? 'nil'
          : typeof a === 'object' && !(a instanceof Uint8Array)
            ? `table: ${JSON.stringify(a)}`
            : String(a as string | number | boolean | Uint8Array),
      )
      .join('');
    env.logger.log(level, `[kong] [${env.pluginName}] ${text}`);
  };
}

function setResponseHeader(ctx: RequestContext, name: unknown, value: unknown, add: boolean): void {
  phase(ctx, 'kong.response.set_header', RESPONSE_WRITE);
  const n = str(name, 'header name');
  if (!add) removeHeader(ctx.responseHeaders, n);
  for (const v of Array.isArray(value) ? value : [value]) ctx.responseHeaders.push([n, headerValue(v, n)]);
}

function exitWith(ctx: RequestContext, status: number, body: Buffer | undefined, headers: Array<[string, string]>, json: boolean): typeof EXITED {
  const out: Array<[string, string]> = ctx.responseHeaders.filter(([n]) => !headers.some(([h]) => h.toLowerCase() === n.toLowerCase()));
  out.push(...headers);
  if (json && !headerValues(out, 'content-type').length) out.push(['Content-Type', 'application/json; charset=utf-8']);
  if (!headerValues(out, 'content-length').length) out.push(['Content-Length', String(body?.length ?? 0)]);
  ctx.exit = { status, body, headers: out };
  ctx.kongExited = true;
  return EXITED;
}

const METHODS: Record<string, PdkFn> = {
  // --- kong.request -------------------------------------------------------
  'kong.request.get_method': (ctx) => ctx.method,
  'kong.request.get_scheme': () => 'http',
  'kong.request.get_host': (ctx) => ctx.host,
  'kong.request.get_port': (ctx) => ctx.serverPort,
  'kong.request.get_forwarded_scheme': () => 'http',
  'kong.request.get_forwarded_host': (ctx) => ctx.host,
  'kong.request.get_forwarded_port': (ctx) => ctx.serverPort,
  'kong.request.get_forwarded_path': (ctx) => requestPath(ctx),
  'kong.request.get_forwarded_prefix': (ctx) => (ctx.matchPrefix && ctx.matchPrefix !== '/' ? ctx.matchPrefix : undefined),
  'kong.request.get_http_version': (ctx) => Number(ctx.httpVersion),
  'kong.request.get_path': (ctx) => requestPath(ctx),
  'kong.request.get_path_with_query': (ctx) => ctx.requestUri,
  'kong.request.get_raw_query': (ctx) => ctx.args ?? '',
  'kong.request.get_query_arg': (ctx, [name]) => {
    const v = queryTable(ctx.args)[str(name, 'query argument name')];
    return Array.isArray(v) ? v[0] : v;
  },
  'kong.request.get_query': (ctx, [max]) => queryTable(ctx.args, typeof max === 'number' ? max : MAX_QUERY_ARGS),
  'kong.request.get_header': (ctx, [name]) => firstHeader(ctx.headers, name),
  'kong.request.get_headers': (ctx, [max]) => {
    if (max !== undefined && max !== null && (typeof max !== 'number' || max < 1 || max > 1000))
      throw new LuaError('max_headers must be a number between 1 and 1000');
    return headersTable(ctx.headers, typeof max === 'number' ? max : MAX_HEADERS);
  },
  'kong.request.get_raw_body': (ctx, [max]) => {
    phase(ctx, 'kong.request.get_raw_body', BEFORE_CONTENT);
    return rawBody(ctx, max);
  },
  'kong.request.get_body': async (ctx, [mimetype, , max]) => {
    phase(ctx, 'kong.request.get_body', BEFORE_CONTENT);
    const type = ((mimetype as string | undefined) ?? firstHeader(ctx.headers, 'content-type') ?? '').toLowerCase();
    const body = await rawBody(ctx, max);
    if (body === undefined) return undefined;
    if (type.startsWith('application/x-www-form-urlencoded')) return queryTable(body.toString());
    if (type.startsWith('application/json')) {
      try {
        const v: unknown = JSON.parse(body.toString());
        return typeof v === 'object' && v !== null ? v : undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  },
  'kong.request.get_start_time': (ctx) => ctx.startedAtMs,
  'kong.request.get_uri_captures': () => ({ unnamed: [], named: {} }),

  // --- kong.client ------------------------------------------------------------
  'kong.client.get_ip': (ctx) => ctx.clientIp,
  'kong.client.get_forwarded_ip': (ctx) => ctx.clientIp, // no trusted_ips by default
  'kong.client.get_port': (ctx) => ctx.clientPort,
  'kong.client.get_forwarded_port': (ctx) => ctx.clientPort,
  'kong.client.get_protocol': () => 'http',
  'kong.client.get_consumer': (ctx) => ctx.consumer,
  'kong.client.get_credential': (ctx) => ctx.credential,
  'kong.client.load_consumer': (_ctx, [id, byUsername], env) => {
    const key = str(id, 'consumer_id');
    return env.config.consumers.find((c) => c.id === key) ?? (byUsername ? env.config.consumers.find((c) => c.username === key) : undefined);
  },
  'kong.client.authenticate': (ctx, [consumer, credential]) => {
    phase(ctx, 'kong.client.authenticate', REWRITE_ACCESS);
    if (!consumer && !credential) throw new LuaError('either credential or consumer must be provided');
    if (consumer && typeof consumer !== 'object') throw new LuaError('consumer must be a table or nil');
    if (credential && typeof credential !== 'object') throw new LuaError('credential must be a table or nil');
    ctx.consumer = consumer ? (consumer as Record<string, unknown>) : undefined;
    ctx.credential = credential ? (credential as Record<string, unknown>) : undefined;
  },

  // --- kong.service -----------------------------------------------------------
  'kong.service.set_target': (ctx, [host, port]) => {
    phase(ctx, 'kong.service.set_target', ACCESS);
    str(host, 'host');
    if (typeof port !== 'number' || !Number.isInteger(port)) throw new LuaError('port must be an integer');
    if (port < 0 || port > 65535) throw new LuaError(`port must be an integer between 0 and 65535: given ${port}`);
    ctx.upstream.host = host as string;
    ctx.upstream.port = port;
  },
  'kong.service.set_timeouts': (ctx, [connect, write, read]) => {
    phase(ctx, 'kong.service.set_timeouts', ACCESS);
    for (const [v, n] of [
      [connect, 'connect'],
      [write, 'write'],
      [read, 'read'],
    ] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2147483646)
        throw new LuaError(`${n}_timeout must be an integer between 1 and 2147483646`);
    }
    Object.assign(ctx.upstream, { connectTimeout: connect, writeTimeout: write, readTimeout: read });
  },
  'kong.service.set_upstream': (ctx, [name], env) => {
    phase(ctx, 'kong.service.set_upstream', ACCESS);
    // The driver's kong.yml has no upstreams: Kong returns nil, err for an unknown name.
    env.logger.log('warn', `kong.service.set_upstream(${String(name)}): could not find an Upstream named '${String(name)}'`);
    return undefined;
  },
  'kong.service.request.enable_buffering': (ctx) => {
    phase(ctx, 'kong.service.request.enable_buffering', REWRITE_ACCESS);
    ctx.nginxCtx.set('buffered_proxying', true);
  },
  'kong.service.request.set_scheme': (ctx, [scheme]) => {
    phase(ctx, 'kong.service.request.set_scheme', REWRITE_ACCESS);
    if (scheme !== 'http' && scheme !== 'https') throw new LuaError(`invalid scheme: ${String(scheme)}`);
    ctx.upstream.scheme = scheme;
  },
  'kong.service.request.set_path': (ctx, [path]) => {
    phase(ctx, 'kong.service.request.set_path', REWRITE_ACCESS);
    if (typeof path !== 'string' || !path.startsWith('/')) throw new LuaError('path must be a string starting with /');
    ctx.upstream.uri = path;
  },
  'kong.service.request.set_raw_query': (ctx, [query]) => {
    phase(ctx, 'kong.service.request.set_raw_query', REWRITE_ACCESS);
    ctx.args = str(query, 'query');
  },
  'kong.service.request.set_query': (ctx, [args]) => {
    phase(ctx, 'kong.service.request.set_query', REWRITE_ACCESS);
    ctx.args = encodeArgs(args);
  },
  'kong.service.request.set_method': (ctx, [method]) => {
    phase(ctx, 'kong.service.request.set_method', REWRITE_ACCESS);
    if (typeof method !== 'string' || !HTTP_METHODS.has(method)) throw new LuaError(`invalid method: ${String(method)}`);
    ctx.method = method;
  },
  'kong.service.request.set_header': (ctx, [name, value]) => {
    phase(ctx, 'kong.service.request.set_header', REWRITE_ACCESS);
    const n = str(name, 'header name');
    const v = headerValue(value, n);
    if (n.toLowerCase() === 'host') ctx.upstream.hostHeader = v;
    removeHeader(ctx.headers, n);
    ctx.headers.push([n, v]);
  },
  'kong.service.request.add_header': (ctx, [name, value]) => {
    phase(ctx, 'kong.service.request.add_header', REWRITE_ACCESS);
    const n = str(name, 'header name');
    const v = headerValue(value, n);
    if (n.toLowerCase() === 'host') ctx.upstream.hostHeader = v;
    ctx.headers.push([n, v]);
  },
  'kong.service.request.clear_header': (ctx, [name]) => {
    phase(ctx, 'kong.service.request.clear_header', REWRITE_ACCESS);
    removeHeader(ctx.headers, str(name, 'header name'));
  },
  'kong.service.request.set_headers': (ctx, [headers]) => {
    phase(ctx, 'kong.service.request.set_headers', REWRITE_ACCESS);
    const list = headerList(headers);
    for (const [n] of list) removeHeader(ctx.headers, n);
    for (const [n, v] of list) {
      if (n.toLowerCase() === 'host') ctx.upstream.hostHeader = v;
      ctx.headers.push([n, v]);
    }
  },
  'kong.service.request.set_raw_body': (ctx, [body]) => {
    phase(ctx, 'kong.service.request.set_raw_body', REWRITE_ACCESS);
    const bytes = luaBytes(body);
    if (!bytes) throw new LuaError('body must be a string');
    ctx.body.replaced = bytes;
  },
  'kong.service.response.get_status': (ctx) => {
    phase(ctx, 'kong.service.response.get_status', ['response']);
    return ctx.serviceResponse?.status;
  },
  'kong.service.response.get_headers': (ctx, [max]) => {
    phase(ctx, 'kong.service.response.get_headers', ['response']);
    return headersTable(ctx.serviceResponse?.headers ?? [], typeof max === 'number' ? max : MAX_HEADERS);
  },
  'kong.service.response.get_header': (ctx, [name]) => {
    phase(ctx, 'kong.service.response.get_header', ['response']);
    return headerValues(ctx.serviceResponse?.headers ?? [], str(name, 'header name'))[0];
  },
  'kong.service.response.get_raw_body': (ctx) => {
    phase(ctx, 'kong.service.response.get_raw_body', ['response']);
    return ctx.serviceResponse?.body;
  },

  // --- kong.response ----------------------------------------------------------
  'kong.response.get_status': (ctx) => (ctx.phase === 'log' ? ctx.final?.status : ctx.phase === 'response' ? ctx.serviceResponse?.status : 0), // ngx.status is 0 before a response exists
  'kong.response.get_header': (ctx, [name]) => headerValues(responseHeadersNow(ctx), str(name, 'header name'))[0],
  'kong.response.get_headers': (ctx, [max]) => headersTable(responseHeadersNow(ctx), typeof max === 'number' ? max : MAX_HEADERS),
  'kong.response.get_source': (ctx) => (ctx.kongExited ? 'exit' : ctx.kongProxied ? 'service' : 'error'),
  'kong.response.set_status': (ctx, [status]) => {
    phase(ctx, 'kong.response.set_status', RESPONSE_WRITE);
    if (typeof status !== 'number' || status < 100 || status > 599) throw new LuaError('code must be a number between 100 and 599');
    if (ctx.serviceResponse) ctx.serviceResponse.status = status;
  },
  'kong.response.set_header': (ctx, [name, value]) => setResponseHeader(ctx, name, value, false),
  'kong.response.add_header': (ctx, [name, value]) => setResponseHeader(ctx, name, value, true),
  'kong.response.clear_header': (ctx, [name]) => {
    phase(ctx, 'kong.response.clear_header', RESPONSE_WRITE);
    removeHeader(ctx.responseHeaders, str(name, 'header name'));
  },
  'kong.response.set_headers': (ctx, [headers]) => {
    phase(ctx, 'kong.response.set_headers', RESPONSE_WRITE);
    const list = headerList(headers);
    for (const [n] of list) removeHeader(ctx.responseHeaders, n);
    ctx.responseHeaders.push(...list);
  },
  'kong.response.exit': (ctx, [status, body, headers]) => {
    phase(ctx, 'kong.response.exit', RESPONSE_WRITE);
    if (typeof status !== 'number') throw new LuaError('code must be a number');
    if (status < 100 || status > 599) throw new LuaError('code must be a number between 100 and 599');
    if (body !== undefined && body !== null && typeof body !== 'string' && typeof body !== 'object') throw new LuaError('body must be a nil, string or table');
    const list = headerList(headers);
    const isTable = typeof body === 'object' && body !== null && !(body instanceof Uint8Array);
    const bytes = isTable ? Buffer.from(cjsonEncode(body)) : luaBytes(body);
    return exitWith(ctx, status, bytes, list, isTable);
  },
  'kong.response.error': (ctx, [status, message, headers]) => {
    phase(ctx, 'kong.response.error', RESPONSE_WRITE);
    if (typeof status !== 'number' || status < 400 || status > 599) throw new LuaError('code must be a number between 400 and 599');
    const list = headerList(headers);
    const type = headerValues(list, 'content-type')[0] ?? responseType(firstHeader(ctx.headers, 'accept'));
    if (!headerValues(list, 'content-type').length) list.push(['Content-Type', type]);
    const text = typeof message === 'string' ? message : message ? cjsonEncode(message) : String(status);
    return exitWith(ctx, status, Buffer.from(errorBody(type, text, ctx.id)), list, false);
  },

  // --- kong.log / ctx / nginx / router / node / plugin / ip ------------------
  'kong.log.debug': logLine('debug'),
  'kong.log.info': logLine('info'),
  'kong.log.notice': logLine('notice'),
  'kong.log.warn': logLine('warn'),
  'kong.log.err': logLine('err'),
  'kong.log.crit': logLine('crit'),
  'kong.log.alert': logLine('alert'),
  'kong.log.emerg': logLine('emerg'),
  'kong.log.inspect': logLine('debug'),
  'kong.log.set_serialize_value': (ctx, [key, value]) => void ctx.serializeValues.set(str(key, 'key'), value),
  'kong.log.serialize': (ctx) =>
    JSON.stringify({
      request: { method: ctx.method, uri: ctx.requestUri, headers: headersTable(ctx.headers) },
      response: { status: ctx.final?.status, headers: headersTable(ctx.final?.headers ?? []) },
      route: ctx.route,
      service: ctx.service,
      consumer: ctx.consumer,
      client_ip: ctx.clientIp,
      started_at: ctx.startedAtMs,
      ...Object.fromEntries(ctx.serializeValues),
    }),
  'kong.ctx.shared.get': (ctx, [key]) => ctx.sharedCtx.get(String(key)),
  'kong.ctx.shared.set': (ctx, [key, value]) => void ctx.sharedCtx.set(String(key), value),
  'kong.nginx.get_ctx': (ctx, [key]) => ctx.nginxCtx.get(String(key)),
  'kong.nginx.set_ctx': (ctx, [key, value]) => void ctx.nginxCtx.set(String(key), value),
  'kong.nginx.get_subsystem': () => 'http',
  'kong.nginx.req_start_time': (ctx) => ctx.startedAtMs / 1000,
  'kong.nginx.get_var': (ctx, [name]) => nginxVar(ctx, str(name, 'variable name')),
  'kong.router.get_route': (ctx) => ctx.route,
  'kong.router.get_service': (ctx) => ctx.service,
  'kong.node.get_id': (_ctx, _a, env) => env.nodeId,
  'kong.node.get_hostname': () => os.hostname(),
  'kong.plugin.get_id': (ctx) => ctx.plugin?.id,
  'kong.ip.is_trusted': () => false,
};

function responseHeadersNow(ctx: RequestContext): Array<[string, string]> {
  if (ctx.phase === 'log') return ctx.final?.headers ?? [];
  if (ctx.phase === 'response') return [...(ctx.serviceResponse?.headers ?? []), ...ctx.responseHeaders];
  return ctx.responseHeaders;
}

function nginxVar(ctx: RequestContext, name: string): unknown {
  if (name.startsWith('http_')) return firstHeader(ctx.headers, name.slice(5));
  const vars: Record<string, unknown> = {
    request_uri: ctx.requestUri,
    uri: requestPath(ctx),
    args: ctx.args,
    is_args: ctx.args !== undefined ? '?' : '',
    host: ctx.host,
    remote_addr: ctx.clientIp,
    remote_port: String(ctx.clientPort),
    realip_remote_addr: ctx.clientIp,
    server_port: String(ctx.serverPort),
    scheme: 'http',
    request_method: ctx.method,
    server_protocol: `HTTP/${ctx.httpVersion}`,
    upstream_uri: ctx.upstream.uri,
    upstream_scheme: ctx.upstream.scheme,
    upstream_host: ctx.upstream.hostHeader,
    kong_request_id: ctx.id,
    content_type: firstHeader(ctx.headers, 'content-type'),
  };
  return vars[name];
}

/**
 * Resolves a PDK method by name the way Kong's `index_table` does; undefined
 * means Kong logs "could not find pdk method" and answers nil.
 */
export function findPdkMethod(name: string): PdkFn | undefined {
  return Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : undefined;
}

/** Runs one PDK method for the plugin; throws LuaError where Kong's Lua would error(). */
// eslint-disable-next-line @typescript-eslint/require-await -- async so that a method that throws rejects the call, as the RPC loop expects
export async function callPdk(ctx: RequestContext, name: string, args: unknown[], env: PdkEnv): Promise<unknown> {
  const fn = findPdkMethod(name);
  if (!fn) {
    env.logger.log('err', `could not find pdk method: ${name}`);
    return undefined;
  }
  if (ctx.phase === 'log' && !name.startsWith('kong.log.') && !LOG_SAFE.has(name)) {
    throw new LuaError(`API disabled in the context of ngx.timer (${name})`);
  }
  return fn(ctx, args, env);
}

export { SERVER_HEADER };
