// The parts of undici the data plane uses, loaded without undici's index.
// The index loads every feature undici has (fetch, WebSocket, EventSource,
// mocks, caches and their SQLite store, interceptors): 110 modules, the
// largest share of a data-plane worker's start (which a request sent as a
// plugin server starts waits for). These are about 30 of them. The classes
// are the index's own (a test checks), so undici's types describe them.
//
// Two majors, chosen by the runtime: undici 8 (installed as `undici-h2`)
// where it runs, Node 22.19 and later, else undici 7. Only 8 lets a POST
// share an HTTP/2 session with the streams already open on it
// (nodejs/undici#5524, fixed in #5538); 7 sends each chat completion while
// another runs on a connection of its own, so HTTP/2 to providers is worth
// having on 8 alone.
/* eslint-disable @typescript-eslint/no-require-imports -- undici's own modules, named by path (it has no exports map) */
import type * as Undici from 'undici';

type RequestOptions = NonNullable<Parameters<typeof Undici.request>[1]>;

/** Whether this runtime can run undici 8, which the provider calls use HTTP/2 with. */
export const HTTP2_CAPABLE = atLeast(process.versions.node, [22, 19]);
/**
 * Whether provider calls offer HTTP/2 (over TLS, by ALPN): where undici 8
 * runs, unless the operator sets LLM_GATEWAY_UPSTREAM_HTTP2=off, which also
 * keeps undici 7: the HTTP/1.1 of before, ~0.7 KiB less per stream on new
 * connections than 8's (bench/RESULTS.md §40-§41).
 */
export const UPSTREAM_HTTP2 = HTTP2_CAPABLE && upstreamHttp2From(process.env.LLM_GATEWAY_UPSTREAM_HTTP2);
/** The package the parts come from: `undici` (7) or `undici-h2` (8). */
export const UNDICI_PACKAGE = UPSTREAM_HTTP2 ? 'undici-h2' : 'undici';
const PATHS = {
  dispatcher: 'dispatcher/dispatcher',
  api: 'api',
  agent: 'dispatcher/agent',
  errors: 'core/errors',
  connect: 'core/connect',
  global: 'global',
} as const;
type Part = keyof typeof PATHS;
// undici 8's by their full paths, so that the data plane's bundle
// (scripts/bundle-worker.ts) holds them; undici 7, outside it, by name.
const UNDICI_8: Record<Part, () => unknown> = {
  dispatcher: () => require('undici-h2/lib/dispatcher/dispatcher') as unknown,
  api: () => require('undici-h2/lib/api') as unknown,
  agent: () => require('undici-h2/lib/dispatcher/agent') as unknown,
  errors: () => require('undici-h2/lib/core/errors') as unknown,
  connect: () => require('undici-h2/lib/core/connect') as unknown,
  global: () => require('undici-h2/lib/global') as unknown,
};
const part = (name: Part): unknown => (UPSTREAM_HTTP2 ? UNDICI_8[name]() : require(`undici/lib/${PATHS[name]}`));

const Dispatcher = part('dispatcher') as typeof Undici.Dispatcher;
// As undici's index does: request(), stream() ... on every dispatcher.
Object.assign(Dispatcher.prototype, part('api') as object);

export const Agent = part('agent') as typeof Undici.Agent;
export const errors = part('errors') as typeof Undici.errors;
export const buildConnector = part('connect') as typeof Undici.buildConnector;
const { getGlobalDispatcher } = part('global') as Pick<typeof Undici, 'getGlobalDispatcher'>;

/** undici's `request(url, options)`: on `options.dispatcher`, else on the global one. */
export function request(url: string | URL, options: RequestOptions = {}): Promise<Undici.Dispatcher.ResponseData<unknown>> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const target = typeof url === 'string' ? new URL(url) : url;
  return dispatcher.request({ ...rest, origin: target.origin, path: `${target.pathname}${target.search}`, method: rest.method ?? 'GET' });
}

/** `LLM_GATEWAY_UPSTREAM_HTTP2`: unset or `on` offers HTTP/2 where the runtime can; `off` keeps HTTP/1.1. */
export function upstreamHttp2From(value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`LLM_GATEWAY_UPSTREAM_HTTP2 '${value}' is not one of on, off`);
}

function atLeast(version: string, [major, minor]: [number, number]): boolean {
  const [have = 0, haveMinor = 0] = version.split('.').map(Number);
  return have > major || (have === major && haveMinor >= minor);
}
