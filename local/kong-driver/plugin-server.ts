// Kong's side of an external plugin server:
//  - queryPluginInfo: `--dump-all-plugins`, keeping only the FIRST plugin
//    (kong/runloop/plugin_servers/process.lua, Kong 3.9);
//  - PluginServerProcess: start command, output to the logger, respawn at most
//    once a second when it dies (pluginserver_timer in process.lua);
//  - ExternalPlugin: instances keyed by plugin id and __seq__ (plugin.lua
//    get_instance_id) and the HandleEvent/Step loop with mp_rpc.lua's rules
//    (bridge_loop, get_step_method, must_fix, "no plugin instance" retry).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { DriverLogger } from './logger';
import { RpcError, RpcPool } from './msgpack-rpc';
import { callPdk, EXITED, LuaError, type PdkEnv } from './pdk';
import type { Phase, RequestContext } from './request-context';

export interface PluginInfo {
  Name: string;
  Priority: number;
  Version: string;
  Phases: Phase[];
  Schema: { name: string; fields: Array<{ config: { type: 'record'; fields: Array<Record<string, Record<string, unknown>>> } }> };
}

/** The built start command (plugin/kong-js-pluginserver.ts: kong-pdk's server without ts-node). */
export function pluginServerBin(): string {
  // From the sources (local/kong-driver) the command is under dist/; compiled (dist/local/kong-driver), beside it.
  const candidates = [path.resolve(__dirname, '../../dist/plugin/kong-js-pluginserver.js'), path.resolve(__dirname, '../../plugin/kong-js-pluginserver.js')];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error('dist/plugin/kong-js-pluginserver.js not found: run npm run build');
  return found;
}

/**
 * The plugin server as the deploy command in the README starts it: Node with
 * V8's memory reducer off, so that the main thread answering Kong's PDK calls
 * is not collected in full every time it looks idle (the worker threads get
 * the same from plugin/workers/worker-heap.ts; a flag set at run time does
 * not reach a heap that already exists).
 */
export const PLUGIN_SERVER_NODE_OPTIONS = ['--no-memory-reducer'];

export function pluginServerCommand(): string[] {
  return [process.execPath, ...PLUGIN_SERVER_NODE_OPTIONS, pluginServerBin()];
}

/** Kong's `pluginserver_js_query_cmd`; returns every plugin reported and the one Kong registers. */
export function queryPluginInfo(pluginsDir: string, env?: NodeJS.ProcessEnv): { all: PluginInfo[]; registered: PluginInfo } {
  const res = spawnSync(process.execPath, [pluginServerBin(), '--plugins-directory', pluginsDir, '--dump-all-plugins'], {
    encoding: 'utf8',
    env: env ?? process.env,
  });
  let dump: unknown;
  try {
    dump = JSON.parse(res.stdout);
  } catch (err) {
    throw new Error(`failed decoding plugin info: ${(err as Error).message}\n${res.stdout}${res.stderr}`, { cause: err });
  }
  const list = ((dump as { Plugins?: PluginInfo[] }).Plugins ?? dump) as PluginInfo[];
  const registered = Array.isArray(list) ? list[0] : undefined;
  if (!registered) throw new Error(`not a plugin info table:\n${res.stdout}${res.stderr}`);
  return { all: list, registered };
}

export class PluginServerProcess {
  child?: ChildProcess;
  restarts = 0;
  private closing = false;
  private lastSpawn = 0;

  constructor(
    private readonly pluginsDir: string,
    readonly prefix: string,
    private readonly logger: DriverLogger,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly detached = false,
  ) {}

  get socketPath(): string {
    return path.join(this.prefix, 'js_pluginserver.sock');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.prefix, { recursive: true });
    this.spawn();
    await this.waitForSocket();
  }

  private spawn(): void {
    this.lastSpawn = Date.now();
    const [node, ...args] = pluginServerCommand();
    const child = spawn(node!, [...args, '--plugins-directory', this.pluginsDir, '--kong-prefix', this.prefix], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.detached,
    });
    this.child = child;
    this.logger.log('notice', `[pluginserver] started, pid ${child.pid}`);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        if (line) this.logger.log('info', `[js:${child.pid}] ${line}`);
      });
    }
    child.on('exit', (code, signal) => {
      if (this.closing) return;
      this.logger.log('notice', `external pluginserver 'js' terminated: ${signal ?? 'exit'} ${code ?? ''}`);
      this.restarts++;
      const wait = Math.max(0, this.lastSpawn + 1000 - Date.now());
      setTimeout(() => !this.closing && this.spawn(), wait).unref();
    });
  }

  /** Resolves once the socket accepts connections (Kong just retries per request). */
  async waitForSocket(timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.createConnection(this.socketPath);
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`plugin server socket ${this.socketPath} not ready`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGTERM, then SIGKILL after `timeoutMs` if it has not exited (Kong sends only the SIGTERM). */
  async stop(timeoutMs = 3000): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), timeoutMs).unref();
    });
  }
}

// mp_rpc.lua get_step_method: entities and multimaps go through typed Step methods.
const STEP_BY_METHOD: Record<string, string> = {
  'kong.client.get_credential': 'plugin.StepCredential',
  'kong.client.load_consumer': 'plugin.StepConsumer',
  'kong.client.get_consumer': 'plugin.StepConsumer',
  'kong.client.authenticate': 'plugin.StepCredential',
  'kong.node.get_memory_stats': 'plugin.StepMemoryStats',
  'kong.router.get_route': 'plugin.StepRoute',
  'kong.router.get_service': 'plugin.StepService',
  'kong.request.get_query': 'plugin.StepMultiMap',
  'kong.request.get_headers': 'plugin.StepMultiMap',
  'kong.response.get_headers': 'plugin.StepMultiMap',
  'kong.service.response.get_headers': 'plugin.StepMultiMap',
};

const MULTIMAP = new Set(['kong.request.get_query', 'kong.request.get_headers', 'kong.response.get_headers', 'kong.service.response.get_headers']);
const RAW = new Set(['kong.request.get_raw_body', 'kong.response.get_raw_body', 'kong.service.response.get_raw_body']);

/** mp_rpc.lua must_fix: what the value looks like once Kong has packed it. */
function fixForWire(method: string, value: unknown): unknown {
  if (MULTIMAP.has(method)) {
    // fix_mmap: "v" -> ["v"], true -> [], arrays kept; an empty table packs as a map.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) out[k] = v === true ? [] : typeof v === 'string' ? [v] : v;
    return out;
  }
  if (RAW.has(method)) {
    // fix_raw wraps even nil; lua-MessagePack then does #nil and raises.
    if (value === undefined || value === null) throw new LuaError("attempt to get length of local 'str' (a nil value)");
    return new Uint8Array(value as Buffer);
  }
  return value;
}

export type EventOutcome = 'ret' | 'exited';

interface InstanceInfo {
  id?: number;
  seq: number;
  starting?: Promise<number>;
}

export class ExternalPlugin {
  readonly pool: RpcPool;
  private readonly instances = new Map<string, InstanceInfo>();
  /** Config JSON each StartInstance was given, newest last (tests read it). */
  readonly startedConfigs: Array<Record<string, unknown>> = [];

  constructor(
    readonly info: PluginInfo,
    socketPath: string,
    private readonly logger: DriverLogger,
  ) {
    this.pool = new RpcPool(socketPath);
  }

  get name(): string {
    return this.info.Name;
  }

  private async rpc(ctx: RequestContext | undefined, method: string, ...args: unknown[]): Promise<unknown> {
    const t0 = process.hrtime.bigint();
    try {
      return await this.pool.call(method, ...args);
    } finally {
      if (ctx) ctx.stats.rpcNs += process.hrtime.bigint() - t0;
    }
  }

  /** plugin.lua get_instance_id: reuse while __plugin_id and __seq__ match, else StartInstance. */
  private async instanceId(conf: Record<string, unknown>, ctx?: RequestContext): Promise<number> {
    const key = conf.__plugin_id as string;
    const seq = conf.__seq__ as number;
    const info = this.instances.get(key);
    if (info?.starting) return info.starting;
    if (info && info.id !== undefined && info.seq === seq) return info.id;
    const oldId = info?.id;
    const claim: InstanceInfo = { seq };
    claim.starting = (async () => {
      try {
        const status = (await this.rpc(ctx, 'plugin.StartInstance', { Name: this.name, Config: JSON.stringify(conf) })) as { Id: number };
        this.startedConfigs.push(conf);
        claim.id = status.Id;
        return status.Id;
      } catch (err) {
        this.instances.delete(key);
        this.logger.log('err', `starting instance: ${(err as Error).message}`);
        throw new LuaError((err as Error).message); // Kong: error(err)
      } finally {
        claim.starting = undefined;
      }
    })();
    this.instances.set(key, claim);
    const id = await claim.starting;
    if (oldId !== undefined) await this.rpc(ctx, 'plugin.CloseInstance', oldId).catch(() => undefined);
    return id;
  }

  /** plugin.lua reset_instance: forget every instance of this plugin. */
  resetInstances(): void {
    this.instances.clear();
  }

  /** Ids currently known to the "worker" (tests close them behind Kong's back). */
  knownInstanceIds(): number[] {
    return [...this.instances.values()].flatMap((i) => (i.id === undefined ? [] : [i.id]));
  }

  /**
   * mp_rpc.lua Rpc:handle_event. RPC errors are logged and the phase simply
   * ends (the request goes on); "no plugin instance" restarts the instance and
   * retries. LuaError (a PDK error, a failed StartInstance) propagates like a
   * Lua error would.
   */
  async handleEvent(conf: Record<string, unknown>, ctx: RequestContext, env: PdkEnv, retries = 0): Promise<EventOutcome> {
    try {
      const id = await this.instanceId(conf, ctx);
      return await this.bridgeLoop(id, ctx, env);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      if (err.message.toLowerCase().includes('no plugin instance') && retries < 10) {
        this.resetInstances();
        this.logger.log('warn', err.message);
        return this.handleEvent(conf, ctx, env, retries + 1);
      }
      this.logger.log('err', err.message);
      return 'ret';
    }
  }

  private async bridgeLoop(instanceId: number, ctx: RequestContext, env: PdkEnv): Promise<EventOutcome> {
    let step = (await this.rpc(ctx, 'plugin.HandleEvent', { InstanceId: instanceId, EventName: ctx.phase })) as { Data: unknown; EventId: number };
    const eventId = step.EventId;
    while (step.Data !== 'ret') {
      const { Method, Args } = step.Data as { Method: string; Args: unknown[] };
      const args = Array.isArray(Args) ? Args.map((a) => (a === null ? undefined : a)) : [];
      ctx.stats.calls.set(Method, (ctx.stats.calls.get(Method) ?? 0) + 1);
      const value = await callPdk(ctx, Method, args, env);
      ctx.stats.trace.push({ phase: ctx.phase, method: Method, args, result: value === EXITED ? 'EXITED' : value });
      // kong.response.exit yields the handler's coroutine (or ngx.exit): no Step follows.
      if (value === EXITED) return 'exited';
      const data = fixForWire(Method, value);
      const stepMethod = STEP_BY_METHOD[Method] ?? 'plugin.Step';
      // A Lua nil leaves the key out of the table, so Data is absent on the wire.
      const payload: Record<string, unknown> = { EventId: eventId };
      if (data !== undefined && data !== null) payload.Data = data;
      step = (await this.rpc(ctx, stepMethod, payload)) as typeof step;
    }
    return 'ret';
  }
}
