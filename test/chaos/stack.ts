// The whole local stack as `npm start` runs it (dist/local/start.js: FerretDB,
// the control plane and the Kong stand-in with the real plugin server, each a
// process of its own, supervised), on loopback ports of its own, for the
// chaos suite to kill, stop and restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mongoose from 'mongoose';
import { loadConfig } from '../../control-plane/config';
import { freePort } from '../../control-plane/loaders/free-port';
import { localUriFile } from '../../control-plane/local-keys';
import { signToken } from '../../control-plane/middleware/verify-token';
import { descendantMatching, processesOf } from '../helpers/processes';

const ROOT = resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Part = 'FerretDB' | 'control plane' | 'plugin server';

const COMMAND: Record<Part, RegExp> = {
  FerretDB: /ferretdb/,
  'control plane': /control-plane\/main\.js/,
  'plugin server': /kong-js-pluginserver/,
};

export class ChaosStack {
  launcher!: ChildProcess;
  output = '';
  private db?: mongoose.mongo.MongoClient;

  private constructor(
    readonly dataDir: string,
    readonly cpPort: number,
    readonly gwPort: number,
  ) {}

  static async start(dataDir: string): Promise<ChaosStack> {
    const stack = new ChaosStack(dataDir, await freePort(), await freePort());
    await stack.launch();
    return stack;
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.gwPort}`;
  }

  get controlPlaneUrl(): string {
    return `http://127.0.0.1:${this.cpPort}`;
  }

  async launch(): Promise<void> {
    const { MONGODB_URI: _ignored, ...env } = process.env;
    this.output += `\n--- launch at ${new Date().toISOString()} ---\n`;
    const from = this.output.length;
    this.launcher = spawn(process.execPath, [join(ROOT, 'dist/local/start.js')], {
      cwd: ROOT,
      env: {
        ...env,
        NODE_ENV: 'development',
        GATEWAY_DATA_DIR: this.dataDir,
        CONTROL_PLANE_PORT: String(this.cpPort),
        GATEWAY_PORT: String(this.gwPort),
        LOG_LEVEL: 'warn',
        // CHAOS_VERBOSE=1: the plugin server's log in the launcher's output (this.output).
        ...(process.env.CHAOS_VERBOSE ? { KONG_DRIVER_LOG: '1' } : { LLM_GATEWAY_LOG: 'silent' }),
        LLM_GATEWAY_FAULT_INJECTION: 'crash-workers-on-sigusr2',
        // The plugin server under nginx keeps only named variables: this one lets the suite find it.
        KONG_NGINX_MAIN_ENV: 'GATEWAY_DATA_DIR',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.launcher.stdout!.on('data', (d) => (this.output += d));
    this.launcher.stderr!.on('data', (d) => (this.output += d));
    const up = () => this.output.slice(from).includes('admin token');
    for (let i = 0; i < 1200 && !up(); i++) {
      if (this.launcher.exitCode !== null) throw new Error(`the stack did not start:\n${this.output.slice(from)}`);
      await sleep(100);
    }
    if (!up()) throw new Error(`the stack did not start in 120 s:\n${this.output.slice(from)}`);
  }

  /** With the nginx stand-in the plugin server is a child of an nginx worker, as in Kong. */
  pid(part: Part): number | undefined {
    return descendantMatching(this.launcher.pid!, COMMAND[part]);
  }

  /** Waits until the part runs with a pid other than `not` (restarted by its supervisor). */
  async restarted(part: Part, not: number, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = this.pid(part);
      if (pid !== undefined && pid !== not) return pid;
      if (Date.now() > deadline) throw new Error(`${part} was not started again within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** SIGTERM to the launcher (what a container stop sends); resolves with its exit code once every part is gone. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((r) => (this.launcher.exitCode !== null ? r(this.launcher.exitCode) : this.launcher.once('exit', (c) => r(c))));
    this.launcher.kill('SIGTERM');
    const code = await exited;
    for (let i = 0; i < 150 && processesOf(this.dataDir).length > 0; i++) await sleep(100);
    await this.db?.close();
    this.db = undefined;
    return code;
  }

  async database(): Promise<mongoose.mongo.Db> {
    const uri = readFileSync(localUriFile(this.dataDir), 'utf8').trim();
    this.db ??= await mongoose.mongo.MongoClient.connect(uri, { serverSelectionTimeoutMS: 30_000 });
    return this.db.db();
  }

  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const config = loadConfig({ NODE_ENV: 'development', GATEWAY_DATA_DIR: this.dataDir });
    const token = signToken(config.jwt, { sub: 'chaos', role: 'admin' }, 3600);
    const res = await fetch(`${this.controlPlaneUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.launcher.kill(signal);
    await this.db?.close();
  }
}
