// The HTTP side of the driver: Kong's request lifecycle (kong/init.lua
// Kong.rewrite/access/response/header_filter/log) around the real plugin
// server. startKongDriver() is the entry point for tests and the local launcher.
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadDeclarative, type DeclarativeConfig, type PluginEntity } from './declarative';
import { ERROR_MESSAGES, errorBody, responseType, SERVER_HEADER } from './kong-errors';
import { DriverLogger } from './logger';
import { LuaError, type PdkEnv } from './pdk';
import { ExternalPlugin, PluginServerProcess, queryPluginInfo, type PluginInfo } from './plugin-server';
import { readUpstreamBody, sendUpstream, UpstreamFailure } from './proxy';
import { headerValues, pathOf, type Phase, type RequestContext, type RequestStats } from './request-context';
import { Router } from './router';
import { validateConfig } from './schema';

export interface KongDriverOptions {
  /** kong.yml path, YAML text, or parsed object. */
  kongYml: string | Record<string, unknown>;
  pluginsDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Kong prefix holding js_pluginserver.sock; a temp dir by default. */
  prefix?: string;
  /** Environment of the plugin server process. */
  env?: NodeJS.ProcessEnv;
  /** Start the plugin server in a process group of its own (the local launcher stops it itself, in order). */
  detached?: boolean;
  /** nginx client_body_buffer_size, bytes (Kong default 8k). */
  clientBodyBufferSize?: number;
  logger?: DriverLogger;
}

export interface KongDriver {
  url: string;
  port: number;
  pluginServerPid(): number | undefined;
  plugin: ExternalPlugin;
  /** Every plugin the plugin server reported; Kong 3.9 registers only the first. */
  reportedPlugins: PluginInfo[];
  logger: DriverLogger;
  process: PluginServerProcess;
  /** Emits 'request' (RequestStats) once a request is done, log phase included. */
  events: EventEmitter;
  lastRequestStats(): RequestStats | undefined;
  /** The oldest completed request not yet taken (FIFO), waiting for one if none. */
  nextRequestStats(): Promise<RequestStats>;
  /**
   * A new declarative configuration, as Kong applies one: requests already
   * routed keep theirs, later ones get the new plugin configs (a new
   * `__seq__`, so the plugin server starts new instances).
   */
  reconfigure(kongYml: string | Record<string, unknown>): void;
  /**
   * Stops accepting connections; requests in flight (streams included) may
   * finish for `graceMs`, then are cut; then the plugin server gets SIGTERM
   * and `pluginServerStopMs` to exit. Without options: cut at once.
   */
  close(opts?: { graceMs?: number; pluginServerStopMs?: number }): Promise<void>;
}

interface PluginConfig {
  entity: PluginEntity;
  conf: Record<string, unknown>;
}

const WORKSPACE_ID = '0dc6f45b-8f8d-40d2-a504-473544ee190b';

export async function startKongDriver(opts: KongDriverOptions): Promise<KongDriver> {
  const logger = opts.logger ?? new DriverLogger();
  const pluginsDir = path.resolve(opts.pluginsDir); // the plugin server require()s relative to itself
  const config = loadDeclarative(opts.kongYml);
  const { all, registered } = queryPluginInfo(pluginsDir, opts.env);
  if (all.length > 1) logger.log('warn', `plugin server reports ${all.length} plugins; Kong 3.9 registers only the first: ${registered.Name}`);
  let configs = buildPluginConfigs(config, registered);

  const prefix = opts.prefix ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kong-driver-'));
  const proc = new PluginServerProcess(pluginsDir, prefix, logger, opts.env, opts.detached ?? false);
  await proc.start();
  const plugin = new ExternalPlugin(registered, proc.socketPath, logger);
  let router = new Router(config);
  const env: PdkEnv = { config, nodeId: crypto.randomUUID(), logger, pluginName: registered.Name };
  const events = new EventEmitter();
  let last: RequestStats | undefined;
  const unread: RequestStats[] = [];
  const waiters: Array<(s: RequestStats) => void> = [];
  events.on('request', (s: RequestStats) => {
    last = s;
    const w = waiters.shift();
    if (w) w(s);
    else if (unread.push(s) > 1000) unread.shift();
  });

  const server = http.createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.log('err', `driver failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });

  let inFlight = 0;
  let listening: AddressInfo | undefined;
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // server.address() is null once close() began; kept-alive connections may still bring a request.
    const ctx = newContext(req, listening ?? (server.address() as AddressInfo), opts.clientBodyBufferSize ?? 8192);
    let status = 0;
    inFlight++;
    res.once('close', () => inFlight--);
    try {
      status = await lifecycle(ctx, req, res);
    } finally {
      // finish() catches its own failures (the log phase's): nothing to wait for here.
      const done = () => void finish(ctx, status);
      if (res.writableFinished || res.destroyed) done();
      else res.once('close', done);
    }
  }

  async function lifecycle(ctx: RequestContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<number> {
    const match = router.match(ctx.method, ctx.host, pathOf(ctx.requestUri));
    const global = configs.find((c) => !c.entity.route && !c.entity.service);
    // Kong.rewrite runs only global plugins: the router has not run yet.
    if (global && plugin.info.Phases.includes('rewrite')) {
      ctx.plugin = global.entity;
      const r = await runPhase(ctx, 'rewrite', global);
      if (r === 'error') return sendKongError(ctx, req, res, 500, true);
      if (r === 'exited') return sendExit(ctx, res);
    }
    if (!match) return sendPdkError(ctx, res, 404, 'no Route matched with those values');
    ctx.route = match.route;
    ctx.service = match.service;
    ctx.matchPrefix = match.prefix;
    if (!match.service) return sendPdkError(ctx, res, 503, 'no Service found with those values');
    const s = match.service;
    Object.assign(ctx.upstream, {
      scheme: s.protocol,
      host: s.host,
      port: s.port,
      uri: match.upstreamUri,
      retries: s.retries,
      connectTimeout: s.connect_timeout,
      writeTimeout: s.write_timeout,
      readTimeout: s.read_timeout,
    });
    if (match.route.preserve_host) ctx.upstream.hostHeader = headerValues(ctx.headers, 'host')[0];

    const applied = pickConfig(configs, match.route.id, s.id);
    if (applied) {
      ctx.plugin = applied.entity;
      if (plugin.info.Phases.includes('access')) {
        const r = await runPhase(ctx, 'access', applied);
        if (r === 'error') return sendPdkError(ctx, res, 500, ERROR_MESSAGES[500]);
        if (r === 'exited') return sendExit(ctx, res);
      }
    }
    ctx.kongProxied = true;
    // A response handler (or enable_buffering) makes Kong buffer the whole
    // upstream response (Kong.response, ngx.location.capture), even when the
    // route has response_buffering off.
    const buffered = Boolean(applied && plugin.info.Phases.includes('response')) || ctx.nginxCtx.get('buffered_proxying') === true;
    return proxy(ctx, req, res, applied, buffered);
  }

  async function runPhase(ctx: RequestContext, phase: Phase, pc: PluginConfig): Promise<'ret' | 'exited' | 'error'> {
    ctx.phase = phase;
    ctx.stats.phases.push(phase);
    try {
      return await plugin.handleEvent(pc.conf, ctx, env);
    } catch (err) {
      if (!(err instanceof LuaError)) throw err;
      logger.log('err', `[kong] ${phase} phase of ${registered.Name}: ${err.message}`);
      return 'error';
    }
  }

  async function proxy(
    ctx: RequestContext,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    applied: PluginConfig | undefined,
    buffered: boolean,
  ): Promise<number> {
    const abort = new AbortController();
    const onClientGone = () => !res.writableFinished && abort.abort();
    res.once('close', onClientGone);
    const hadBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    let body: Buffer | undefined = ctx.body.replaced;
    const streamBody = !body && !ctx.body.started && !ctx.route!.request_buffering && hadBody;
    if (!body && !streamBody && hadBody) body = await ctx.body.read();
    const balancerDone = process.hrtime.bigint();
    const t0 = process.hrtime.bigint();
    let upstream: http.IncomingMessage;
    try {
      upstream = await sendUpstream(ctx, { body, stream: streamBody ? req : undefined, signal: abort.signal });
    } catch (err) {
      ctx.stats.upstreamNs += process.hrtime.bigint() - t0;
      if (abort.signal.aborted) return 499;
      if (err instanceof UpstreamFailure) {
        logger.log('err', `${err.message}, upstream: ${ctx.upstream.host}:${ctx.upstream.port}`);
        if (err.status === 503) return sendPdkError(ctx, res, 503, err.message);
        return sendKongError(ctx, req, res, err.status, false);
      }
      throw err;
    }
    const waitingMs = Number(process.hrtime.bigint() - balancerDone) / 1e6;
    const proxyLatencyMs = Number(balancerDone - ctx.startedHr) / 1e6;
    const upstreamHeaders = pairs(upstream.rawHeaders);
    const finishUpstreamClock = () => (ctx.stats.upstreamNs += process.hrtime.bigint() - t0);

    if (buffered) {
      const chunks: Buffer[] = [];
      const complete = await readUpstreamBody(upstream, ctx.upstream.readTimeout, (c) => chunks.push(c));
      finishUpstreamClock();
      // ngx.location.capture: a truncated upstream body becomes Kong's 502.
      if (!complete) return abort.signal.aborted ? 499 : sendKongError(ctx, req, res, 502, false);
      ctx.serviceResponse = { status: upstream.statusCode ?? 502, headers: upstreamHeaders, body: Buffer.concat(chunks) };
      if (applied && plugin.info.Phases.includes('response')) {
        const r = await runPhase(ctx, 'response', applied);
        if (r === 'error') return sendKongError(ctx, req, res, 500, true);
        if (r === 'exited') return sendExit(ctx, res);
      }
      const out = responseHeaders(ctx, ctx.serviceResponse.headers, waitingMs, proxyLatencyMs);
      return writeResponse(ctx, res, ctx.serviceResponse.status, out, ctx.serviceResponse.body);
    }

    const status = upstream.statusCode ?? 502;
    const out = responseHeaders(ctx, upstreamHeaders, waitingMs, proxyLatencyMs);
    ctx.final = { status, headers: out };
    res.writeHead(status, out.flat());
    res.flushHeaders();
    const holdBody = ctx.route!.response_buffering;
    const held: Buffer[] = [];
    const onClose = () => !upstream.complete && upstream.destroy(); // client went away: drop the upstream too
    res.once('close', onClose);
    // response_buffering off: every upstream chunk goes out as soon as it arrives.
    const complete = await readUpstreamBody(upstream, ctx.upstream.readTimeout, (c) => (holdBody ? held.push(c) : res.write(c)));
    finishUpstreamClock();
    if (complete) res.end(holdBody ? Buffer.concat(held) : undefined);
    else res.destroy(); // truncated, as when nginx loses the upstream mid-body
    return status;
  }

  /** header_filter for proxied responses (runloop/handler.lua header_filter). */
  function responseHeaders(ctx: RequestContext, upstreamHeaders: Array<[string, string]>, waitingMs: number, proxyMs: number): Array<[string, string]> {
    const dropped = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection']);
    for (const c of headerValues(upstreamHeaders, 'connection').join(',').split(',')) if (c.trim()) dropped.add(c.trim().toLowerCase());
    const pluginSet = new Set(ctx.responseHeaders.map(([n]) => n.toLowerCase()));
    const out = upstreamHeaders.filter(([n]) => !dropped.has(n.toLowerCase()) && !pluginSet.has(n.toLowerCase()) && n.toLowerCase() !== 'via');
    out.push(...ctx.responseHeaders);
    out.push(['X-Kong-Upstream-Latency', String(Math.round(waitingMs))]);
    out.push(['X-Kong-Proxy-Latency', String(Math.round(proxyMs))]);
    const via = headerValues(upstreamHeaders, 'via')[0];
    out.push(['Via', via ? `${via}, 1.1 ${SERVER_HEADER}` : `1.1 ${SERVER_HEADER}`]);
    if (!headerValues(out, 'server').length) out.push(['Server', SERVER_HEADER]);
    out.push(['X-Kong-Request-Id', ctx.id]);
    return out;
  }

  /** header_filter for responses Kong produced itself (exit, errors). */
  function sendExit(ctx: RequestContext, res: http.ServerResponse): number {
    const exit = ctx.exit!;
    const out = exit.headers.filter(([n]) => n.toLowerCase() !== 'server');
    out.push(['X-Kong-Response-Latency', String(Math.round(Number(process.hrtime.bigint() - ctx.startedHr) / 1e6))]);
    const selfVia = headerValues(exit.headers, 'via')[0] === SERVER_HEADER;
    if (!selfVia) out.push(['Server', SERVER_HEADER]);
    out.push(['X-Kong-Request-Id', ctx.id]);
    return writeResponse(ctx, res, exit.status, out, exit.body);
  }

  /** kong.response.error as Kong's runloop calls it (404 no route, delayed 500...). */
  function sendPdkError(ctx: RequestContext, res: http.ServerResponse, status: number, message: string): number {
    const type = responseType(headerValues(ctx.headers, 'accept')[0]);
    const body = Buffer.from(errorBody(type, message, ctx.id));
    ctx.exit = { status, body, headers: [...ctx.responseHeaders, ['Content-Type', type], ['Content-Length', String(body.length)]] };
    return sendExit(ctx, res);
  }

  /** nginx error_page -> kong/error_handlers.lua (502/504 from the proxy, Lua errors). */
  function sendKongError(ctx: RequestContext, req: http.IncomingMessage, res: http.ServerResponse, status: number, unexpected: boolean): number {
    const accept = req.headers.accept ?? req.headers['content-type'] ?? 'text/plain'; // error_default_type
    const type = responseType(accept);
    const body = Buffer.from(errorBody(type, ERROR_MESSAGES[status] ?? 'An unexpected error occurred', ctx.id));
    ctx.exit = {
      status,
      body,
      headers: [
        ['Content-Type', type],
        ['Content-Length', String(body.length)],
      ],
    };
    if (unexpected) ctx.kongProxied = false;
    return sendExit(ctx, res);
  }

  function writeResponse(ctx: RequestContext, res: http.ServerResponse, status: number, headers: Array<[string, string]>, body?: Uint8Array): number {
    ctx.final = { status, headers };
    if (res.destroyed) return status;
    res.writeHead(status, headers.flat());
    res.end(body && body.length ? body : undefined);
    return status;
  }

  async function finish(ctx: RequestContext, status: number): Promise<void> {
    const totalNs = process.hrtime.bigint() - ctx.startedHr;
    const rpcBeforeLog = ctx.stats.rpcNs;
    // Kong runs the log phase in a timer after the response (plugin.lua build_phases).
    const applied = ctx.route && ctx.service ? pickConfig(configs, ctx.route.id, ctx.service.id) : configs.find((c) => !c.entity.route && !c.entity.service);
    if (applied && plugin.info.Phases.includes('log')) {
      await new Promise((r) => setImmediate(r));
      await runPhase(ctx, 'log', applied).catch((err: unknown) => logger.log('err', `log phase: ${err instanceof Error ? err.message : String(err)}`));
    }
    const ms = (ns: bigint) => Number(ns) / 1e6;
    const stats: RequestStats = {
      requestId: ctx.id,
      method: ctx.method,
      path: ctx.requestUri,
      status,
      pdkCalls: Object.fromEntries(ctx.stats.calls),
      trace: ctx.stats.trace,
      phases: ctx.stats.phases,
      totalMs: ms(totalNs),
      pluginServerMs: ms(rpcBeforeLog),
      upstreamMs: ms(ctx.stats.upstreamNs),
      driverMs: ms(totalNs - rpcBeforeLog - ctx.stats.upstreamNs),
    };
    events.emit('request', stats);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // The port is taken (or the like): leave no plugin server behind.
    await proc.stop();
    throw err;
  }
  listening = server.address() as AddressInfo;
  const port = listening.port;
  logger.log('notice', `kong-driver listening on ${port} with plugin ${registered.Name} ${registered.Version}`);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pluginServerPid: () => proc.pid,
    plugin,
    reportedPlugins: all,
    logger,
    process: proc,
    events,
    lastRequestStats: () => last,
    nextRequestStats: () => {
      const s = unread.shift();
      return s ? Promise.resolve(s) : new Promise((resolve) => waiters.push(resolve));
    },
    reconfigure(kongYml) {
      const next = loadDeclarative(kongYml);
      const seq = Math.max(0, ...configs.map((c) => c.conf.__seq__ as number));
      configs = buildPluginConfigs(next, registered, seq);
      router = new Router(next);
      env.config = next;
    },
    async close(closeOpts = {}) {
      const closed = new Promise((r) => server.close(r));
      server.closeIdleConnections();
      if (closeOpts.graceMs) {
        const deadline = Date.now() + closeOpts.graceMs;
        while (inFlight > 0 && Date.now() < deadline) {
          server.closeIdleConnections();
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      server.closeAllConnections();
      await closed;
      plugin.pool.closeAll();
      await proc.stop(closeOpts.pluginServerStopMs);
    },
  };
}

/** plugins_iterator.lua get_plugin_config: the plugin's config plus the keys Kong adds. */
function buildPluginConfigs(config: DeclarativeConfig, info: PluginInfo, seqBefore = 0): PluginConfig[] {
  const schema = info.Schema.fields[0]?.config.fields;
  if (!schema) throw new Error(`plugin '${info.Name}' has no config schema`);
  let seq = seqBefore;
  return config.plugins.flatMap((entity) => {
    if (entity.name !== info.Name) {
      throw new Error(`kong.yml: plugin '${entity.name}' not enabled; the driver runs only the external plugin '${info.Name}'`);
    }
    if (!entity.enabled) return [];
    const conf: Record<string, unknown> = validateConfig(schema, entity.config);
    if (entity.route) conf.route_id = entity.route.id;
    if (entity.service) conf.service_id = entity.service.id;
    if (entity.consumer) conf.consumer_id = entity.consumer.id;
    if (entity.instance_name) conf.plugin_instance_name = entity.instance_name;
    conf.__plugin_id = entity.id;
    conf.__key__ = ['plugins', entity.name, entity.route?.id ?? '', entity.service?.id ?? '', entity.consumer?.id ?? '', '', WORKSPACE_ID].join(':');
    conf.__seq__ = ++seq; // ngx.shared.kong:incr("plugins_iterator:__seq__", 1, 0, 0)
    entity.config = conf;
    return [{ entity, conf }];
  });
}

/** Most specific config wins: route+service, route, service, global. */
function pickConfig(configs: PluginConfig[], routeId: string, serviceId: string): PluginConfig | undefined {
  const find = (r?: string, s?: string) => configs.find((c) => c.entity.route?.id === r && c.entity.service?.id === s);
  return find(routeId, serviceId) ?? find(routeId, undefined) ?? find(undefined, serviceId) ?? find(undefined, undefined);
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  // A flat name/value list; an odd trailing name gets an empty value.
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return out;
}

function newContext(req: http.IncomingMessage, addr: AddressInfo, bufferSize: number): RequestContext {
  const requestUri = req.url ?? '/';
  const q = requestUri.indexOf('?');
  const headers = pairs(req.rawHeaders);
  const hostHeader = headerValues(headers, 'host')[0] ?? addr.address;
  let bodyPromise: Promise<Buffer> | undefined;
  const body = {
    started: false,
    read(): Promise<Buffer> {
      body.started = true;
      bodyPromise ??= (async () => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        return Buffer.concat(chunks);
      })();
      return bodyPromise;
    },
  };
  return {
    id: crypto.randomBytes(16).toString('hex'),
    phase: 'rewrite',
    startedAtMs: Date.now(),
    startedHr: process.hrtime.bigint(),
    clientIp: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    clientPort: req.socket.remotePort ?? 0,
    serverPort: addr.port,
    scheme: 'http',
    httpVersion: req.httpVersion,
    requestUri,
    method: req.method ?? 'GET',
    args: q === -1 ? undefined : requestUri.slice(q + 1),
    headers,
    host: hostHeader.replace(/:\d+$/, '').toLowerCase(),
    body,
    clientBodyBufferSize: bufferSize,
    upstream: { scheme: 'http', host: '', port: 80, uri: '/', connectTimeout: 60000, writeTimeout: 60000, readTimeout: 60000, retries: 5 },
    responseHeaders: [],
    sharedCtx: new Map(),
    nginxCtx: new Map(),
    serializeValues: new Map(),
    kongExited: false,
    kongProxied: false,
    stats: { calls: new Map(), trace: [], phases: [], rpcNs: 0n, upstreamNs: 0n },
  };
}
