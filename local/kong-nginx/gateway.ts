// The nginx stand-in for Kong: renders nginx.conf and the Lua config from
// kong.yml, runs nginx (master + workers, its own prefix, error log and pid
// file), and gives tests the same handle as the JS driver (url, close(),
// pluginServerPid(), per-request stats) plus reload() and the error log.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stoppedWithParent } from '../../control-plane/loaders/ferretdb';
import { freePort } from '../../control-plane/loaders/free-port';
import { loadDeclarative } from '../kong-driver/declarative';
import { pluginServerCommand } from '../kong-driver/plugin-server';
import { alive, childrenOf, cmdline } from '../processes';
import type { RequestStats } from '../kong-driver/request-context';
import { findNginx } from './find-nginx';
import { renderNginxConf } from './nginx-conf';
import { StatsListener } from './stats-listener';

export interface KongNginxOptions {
  /** kong.yml path, YAML text, or parsed object. */
  kongYml: string | Record<string, unknown>;
  pluginsDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** nginx prefix (conf, logs, the plugin server socket); a temp dir by default. */
  prefix?: string;
  /** Environment nginx starts in (vault references resolve from it). */
  env?: NodeJS.ProcessEnv;
  /**
   * Variables the plugin server keeps (nginx `env` directives, as Kong's
   * KONG_NGINX_MAIN_ENV makes them); everything else is cleared. Names in
   * KONG_NGINX_MAIN_ENV (separated by ";" or ",") are added.
   */
  keepEnv?: string[];
  /** nginx client_body_buffer_size, bytes (Kong default 8k). */
  clientBodyBufferSize?: number;
  /** worker_processes (Kong: auto). */
  workerProcesses?: number | 'auto';
  /** error_log level (Kong: notice; the plugin server's own lines are info). */
  logLevel?: string;
  /** Per-request stats over UDP (default on; off for npm start). */
  stats?: boolean;
  /** How long start-up may take (default 20 s). */
  startTimeoutMs?: number;
  /** Where the plugin server lives (tests swap in a fake one). */
  pluginServerCommand?: string;
  /** nginx in a process group of its own (the local launcher stops it itself, in order). */
  detached?: boolean;
}

export interface KongNginx {
  kind: 'nginx';
  url: string;
  port: number;
  prefix: string;
  masterPid: number;
  pluginServerPid(): number | undefined;
  events: EventEmitter;
  lastRequestStats(): RequestStats | undefined;
  nextRequestStats(): Promise<RequestStats>;
  /** nginx's error log so far. */
  errorLog(): string;
  logHas(text: string): boolean;
  /** `nginx -s reload`, optionally with a new kong.yml; resolves once the new plugin server listens on the socket. */
  reload(kongYml?: string | Record<string, unknown>): Promise<void>;
  /**
   * Without options `kong stop` (fast shutdown). With `graceMs`, `kong quit`:
   * nginx finishes the requests and streams in flight (at most `graceMs`, then
   * fast shutdown), and the plugin server gets `pluginServerStopMs` (default
   * 5 s) to exit after its SIGTERM.
   */
  close(opts?: { graceMs?: number; pluginServerStopMs?: number }): Promise<void>;
}

const LUA_DIR = path.resolve(__dirname, '../../../local/kong-nginx/lua');

function luaDir(): string {
  // Compiled to dist/local/kong-nginx the Lua stays in the source tree.
  for (const d of [LUA_DIR, path.resolve(__dirname, 'lua')]) if (fs.existsSync(path.join(d, 'kong_nginx/init.lua'))) return d;
  throw new Error('local/kong-nginx/lua not found');
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function keepEnvNames(opts: KongNginxOptions): string[] {
  const fromKong = (opts.env?.KONG_NGINX_MAIN_ENV ?? process.env.KONG_NGINX_MAIN_ENV ?? '').split(/[;,\s]+/).filter(Boolean);
  return [...new Set([...(opts.keepEnv ?? []), ...fromKong])].filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
}

function writeConfig(file: string, opts: KongNginxOptions, socket: string, pidFile: string, statsPort: number | undefined, nodeId: string): void {
  const config = loadDeclarative(opts.kongYml);
  const pluginsDir = path.resolve(opts.pluginsDir); // the plugin server require()s relative to itself
  const bin = opts.pluginServerCommand ?? pluginServerCommand().map(shellQuote).join(' ');
  const prefix = path.dirname(socket);
  const doc = {
    plugin_server: {
      name: 'js',
      socket,
      pid_file: pidFile,
      start_cmd: `${bin} --plugins-directory ${shellQuote(pluginsDir)} --kong-prefix ${shellQuote(prefix)}`,
      query_cmd: `${bin} --plugins-directory ${shellQuote(pluginsDir)} --dump-all-plugins`,
    },
    services: config.services,
    routes: config.routes,
    consumers: config.consumers,
    plugins: config.plugins,
    node_id: nodeId,
    hostname: os.hostname(),
    stats: statsPort ? { host: '127.0.0.1', port: statsPort } : undefined,
    launcher_pid: process.pid,
  };
  fs.writeFileSync(file, JSON.stringify(doc));
}

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

export async function startKongNginx(opts: KongNginxOptions): Promise<KongNginx> {
  const nginx = findNginx();
  if ('missing' in nginx) throw new Error(`nginx stand-in unavailable: ${nginx.missing}`);
  const prefix = path.resolve(opts.prefix ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kong-nginx-')));
  const ownPrefix = opts.prefix === undefined;
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port || (await freePort(host));
  const socket = path.join(prefix, 'js_pluginserver.sock');
  const pidFile = path.join(prefix, 'js_pluginserver.pid');
  const configPath = path.join(prefix, 'kong-nginx.json');
  const confPath = path.join(prefix, 'nginx.conf');
  const errorLogPath = path.join(prefix, 'logs/error.log');
  fs.rmSync(pidFile, { force: true });

  const stats = opts.stats === false ? undefined : new StatsListener();
  await stats?.listen();
  const nodeId = crypto.randomUUID();
  try {
    writeConfig(configPath, opts, socket, pidFile, stats?.port, nodeId);
  } catch (err) {
    stats?.close();
    throw err;
  }
  fs.writeFileSync(
    confPath,
    renderNginxConf({
      prefix,
      luaDir: luaDir(),
      configPath,
      modulesDir: nginx.modulesDir,
      host,
      port,
      workerProcesses: opts.workerProcesses ?? 'auto',
      keepEnv: keepEnvNames(opts),
      logLevel: opts.logLevel ?? 'notice',
      clientBodyBufferSize: opts.clientBodyBufferSize ?? 8192,
      runAsRoot: process.getuid?.() === 0,
    }),
  );

  // Detached (npm start's own stand-in, in a process group of its own): if the launcher dies outright nothing
  // else would stop nginx; the parent-death signal does (SIGTERM: `kong stop`, which also stops the plugin server).
  const nginxArgs = ['-p', prefix, '-c', confPath, '-e', errorLogPath];
  const [nginxCmd, nginxArgv] = opts.detached ? stoppedWithParent(nginx.binary, nginxArgs) : [nginx.binary, nginxArgs];
  const child: ChildProcess = spawn(nginxCmd, nginxArgv, {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: opts.detached ?? false,
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));

  const errorLog = () => (fs.existsSync(errorLogPath) ? fs.readFileSync(errorLogPath, 'utf8') : '');
  const pluginServerPid = (): number | undefined => {
    try {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };

  // Which socket file is at the path: its inode and change time. tmpfs hands a
  // freed inode number to the next file, so the new server's socket can have
  // the old one's inode (a reload then never looked ready).
  const socketIdentity = () => {
    try {
      const st = fs.statSync(socket, { bigint: true });
      return `${st.ino}:${st.ctimeNs}`;
    } catch {
      return undefined;
    }
  };
  // After a reload the old server keeps answering on the path until the new
  // one has replaced the socket file: wait for a new pid and a new socket.
  const ready = async (timeoutMs: number, previous?: { pid?: number; socket?: string }) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!running) throw new Error(`nginx exited during start-up:\n${stderr}\n${tail(errorLog())}`);
      const pid = pluginServerPid();
      const fresh = pid && pid !== previous?.pid && (previous?.socket === undefined || socketIdentity() !== previous.socket);
      if (fresh && (await canConnect(socket)) && (await canConnect({ host, port }))) return;
      if (Date.now() > deadline) throw new Error(`nginx stand-in not ready after ${timeoutMs} ms:\n${stderr}\n${tail(errorLog())}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const stop = async (closeOpts: { graceMs?: number; pluginServerStopMs?: number } = {}) => {
    const pid = pluginServerPid();
    if (running && closeOpts.graceMs) {
      child.kill('SIGQUIT'); // `kong quit`: graceful shutdown, in-flight requests and streams finish
      await Promise.race([exited, new Promise((r) => setTimeout(r, closeOpts.graceMs).unref())]);
    }
    if (running) {
      child.kill('SIGTERM'); // `kong stop`: fast shutdown; exit_worker still stops the plugin server
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // The plugin server gets SIGTERM from the exiting worker; wait for it to go.
    const deadline = Date.now() + (closeOpts.pluginServerStopMs ?? 5000);
    while (pid && alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    stats?.close();
    if (ownPrefix && !process.env.KONG_NGINX_KEEP) fs.rmSync(prefix, { recursive: true, force: true });
  };

  try {
    await ready(opts.startTimeoutMs ?? 20_000);
  } catch (err) {
    await stop();
    throw err;
  }

  const events = stats?.events ?? new EventEmitter();
  return {
    kind: 'nginx',
    url: `http://${host}:${port}`,
    port,
    prefix,
    masterPid: child.pid!,
    pluginServerPid,
    events,
    lastRequestStats: () => stats?.lastRequestStats(),
    nextRequestStats: () => (stats ? stats.nextRequestStats() : Promise.reject(new Error('stats are off'))),
    errorLog,
    logHas: (text) => errorLog().includes(text),
    async reload(kongYml) {
      if (kongYml !== undefined) writeConfig(configPath, { ...opts, kongYml }, socket, pidFile, stats?.port, nodeId);
      const before = { pid: pluginServerPid(), socket: socketIdentity() };
      const oldWorkers = childrenOf(child.pid!, /^nginx: worker process/);
      execFileSync(nginx.binary, ['-p', prefix, '-c', confPath, '-e', errorLogPath, '-s', 'reload'], { env: opts.env ?? process.env, stdio: 'pipe' });
      await ready(20_000, before);
      await oldWorkersQuitting(oldWorkers, 20_000);
    },
    close: stop,
  };
}

// The master signals the old workers to quit about 100 ms after it started
// the new ones, and the new plugin server can listen sooner than that. An old
// worker, on that signal, closes its idle keep-alive connections; a request a
// client writes on one at that moment meets a closed connection (any nginx
// reload does this to keep-alive clients; the OpenAI SDK's default retries
// cover it). The reload is done when every old worker has gone or shows
// nginx's "is shutting down" title, which it sets just before that close;
// one more timer turn lets this process's clients read the close.
async function oldWorkersQuitting(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const quitting = (pid: number) => !alive(pid) || cmdline(pid).includes('shutting down');
  while (!pids.every(quitting)) {
    if (Date.now() > deadline) throw new Error(`old nginx workers ${pids.join(', ')} did not start quitting`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 20));
}

function canConnect(target: string | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = typeof target === 'string' ? net.createConnection(target) : net.createConnection(target.port, target.host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
