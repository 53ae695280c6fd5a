// kong-js-pluginserver listens on Kong's unix socket with Node's default
// backlog (511), and Kong opens a new connection to it for a request's PDK
// calls whenever its pooled ones are busy. A burst of more new requests than
// that while this main thread is busy fills the queue, nginx's non-blocking
// connect() then fails at once (EAGAIN), and Kong proxies the request with no
// target: a 503 (the bench's 1,000 open streams lost 280-380 this way).
// kong-js-pluginserver loads its plugins (this module) before it listens, so
// its one listen on a socket path gets the larger queue; the kernel caps it at
// net.core.somaxconn (4096 by default since Linux 5.4).
import { Server } from 'node:net';
import { isMainThread } from 'node:worker_threads';

export const PLUGIN_SERVER_BACKLOG = 4096;

/** In the plugin server's main thread only, and only for its first listen on a socket path. */
export function raisePluginServerBacklog(entry: string | undefined = require.main?.filename): void {
  if (!isMainThread || !entry || !/kong-js-pluginserver(\.js)?$/.test(entry)) return;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the server as `this` below
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    if (typeof args[0] !== 'string' || args.length > 2) return listen.apply(this, args as Parameters<Server['listen']>);
    Server.prototype.listen = listen;
    return listen.call(this, { path: args[0], backlog: PLUGIN_SERVER_BACKLOG }, args[1] as (() => void) | undefined);
  } as Server['listen'];
}
