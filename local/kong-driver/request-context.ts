// Per-request state: what nginx variables, ngx.req, ngx.header and ngx.ctx hold
// for one request in Kong. PDK methods read and write it; the proxy reads it.
import type { ConsumerEntity, PluginEntity, RouteEntity, ServiceEntity } from './declarative';

export type Phase = 'rewrite' | 'access' | 'response' | 'log';

/** A Lua multimap value as ngx.req.get_headers / get_uri_args return it. */
export type MultiValue = string | true | Array<string | true>;

export interface PdkCall {
  phase: Phase;
  method: string;
  args: unknown[];
  result: unknown;
}

export interface RequestStats {
  requestId: string;
  method: string;
  path: string;
  status: number;
  /** PDK calls by method name (kong.request.get_header: 2, ...). */
  pdkCalls: Record<string, number>;
  /** Every PDK call in order, with the value Kong would have answered. */
  trace: PdkCall[];
  phases: Phase[];
  /** Wall time from request received to response finished, ms. */
  totalMs: number;
  /** Time waiting on the plugin server socket, ms. */
  pluginServerMs: number;
  /** Time from sending the upstream request to its last byte, ms. */
  upstreamMs: number;
  /** totalMs - pluginServerMs - upstreamMs: what the driver itself spent. */
  driverMs: number;
}

export interface ExitResponse {
  status: number;
  body?: Uint8Array;
  headers: Array<[string, string]>;
}

export interface BodyState {
  /** The whole client body (nginx read_body); resolves once read. */
  read(): Promise<Buffer>;
  /** True once a read has started; with request_buffering off we then stop streaming. */
  started: boolean;
  /** The body set by kong.service.request.set_raw_body (ngx.req.set_body_data). */
  replaced?: Buffer;
}

export interface RequestContext {
  id: string;
  phase: Phase;
  startedAtMs: number;
  startedHr: bigint;
  clientIp: string;
  clientPort: number;
  serverPort: number;
  scheme: 'http';
  httpVersion: string;
  /** ngx.var.request_uri: never changes. */
  requestUri: string;
  /** ngx.req.get_method(): changed by service.request.set_method. */
  method: string;
  /** ngx.var.args: changed by service.request.set_raw_query/set_query; undefined when no `?`. */
  args?: string;
  /** ngx.req headers as [name, value] in arrival order; service.request.* edits them. */
  headers: Array<[string, string]>;
  host: string;
  body: BodyState;
  clientBodyBufferSize: number;
  route?: RouteEntity;
  service?: ServiceEntity;
  plugin?: PluginEntity;
  matchPrefix?: string;
  upstream: {
    scheme: 'http' | 'https';
    host: string;
    port: number;
    /** ngx.var.upstream_uri (path only; args are appended when proxying). */
    uri: string;
    /** ngx.var.upstream_host when set (preserve_host or a plugin set Host). */
    hostHeader?: string;
    connectTimeout: number;
    writeTimeout: number;
    readTimeout: number;
    retries: number;
  };
  /** ngx.header: response headers set by the plugin before the response. */
  responseHeaders: Array<[string, string]>;
  exit?: ExitResponse;
  sharedCtx: Map<string, unknown>;
  nginxCtx: Map<string, unknown>;
  serializeValues: Map<string, unknown>;
  consumer?: ConsumerEntity | Record<string, unknown>;
  credential?: Record<string, unknown>;
  /** Set once the upstream answered (buffered for a response phase). */
  serviceResponse?: { status: number; headers: Array<[string, string]>; body?: Buffer };
  /** What the client got: used by the log phase (saved_for_later). */
  final?: { status: number; headers: Array<[string, string]> };
  kongExited: boolean;
  kongProxied: boolean;
  stats: { calls: Map<string, number>; trace: PdkCall[]; phases: Phase[]; rpcNs: bigint; upstreamNs: bigint };
}

export function headerValues(list: Array<[string, string]>, name: string): string[] {
  const lower = name.toLowerCase();
  return list.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

export function removeHeader(list: Array<[string, string]>, name: string): void {
  const lower = name.toLowerCase();
  for (let i = list.length - 1; i >= 0; i--) if (list[i]?.[0].toLowerCase() === lower) list.splice(i, 1);
}

/** The request URI without its query string. */
export function pathOf(requestUri: string): string {
  return requestUri.replace(/\?.*$/s, '');
}
