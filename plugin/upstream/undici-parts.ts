// The parts of undici the data plane uses, loaded without undici's index.
// The index loads every feature undici has (fetch, WebSocket, EventSource,
// mocks, caches and their SQLite store, interceptors): 110 modules, the
// largest share of a data-plane worker's start (which a request sent as a
// plugin server starts waits for). These are 32 of them. The classes are the
// index's own (a test checks), so undici's types describe them.
/* eslint-disable @typescript-eslint/no-require-imports -- undici's own modules, named by path (it has no exports map) */
import type * as Undici from 'undici';

type RequestOptions = NonNullable<Parameters<typeof Undici.request>[1]>;

const Dispatcher = require('undici/lib/dispatcher/dispatcher') as typeof Undici.Dispatcher;
// As undici's index does: request(), stream() ... on every dispatcher.
Object.assign(Dispatcher.prototype, require('undici/lib/api') as object);

export const Agent = require('undici/lib/dispatcher/agent') as typeof Undici.Agent;
export const errors = require('undici/lib/core/errors') as typeof Undici.errors;
export const buildConnector = require('undici/lib/core/connect') as typeof Undici.buildConnector;
const { getGlobalDispatcher } = require('undici/lib/global') as Pick<typeof Undici, 'getGlobalDispatcher'>;

/** undici's `request(url, options)`: on `options.dispatcher`, else on the global one. */
export function request(url: string | URL, options: RequestOptions = {}): Promise<Undici.Dispatcher.ResponseData<unknown>> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const target = typeof url === 'string' ? new URL(url) : url;
  return dispatcher.request({ ...rest, origin: target.origin, path: `${target.pathname}${target.search}`, method: rest.method ?? 'GET' });
}
