// One way to start "Kong" locally, whichever stand-in runs it: real nginx with
// OpenResty's Lua module (local/kong-nginx) when it is installed, otherwise
// the JavaScript driver (local/kong-driver). KONG_STANDIN=nginx|js chooses.
import type { EventEmitter } from 'node:events';
import { startKongDriver } from './kong-driver/gateway';
import type { RequestStats } from './kong-driver/request-context';
import { findNginx } from './kong-nginx/find-nginx';
import { startKongNginx } from './kong-nginx/gateway';

export type StandinKind = 'nginx' | 'js';

export interface KongStandinOptions {
  kongYml: string | Record<string, unknown>;
  pluginsDir: string;
  port?: number;
  host?: string;
  prefix?: string;
  /** Environment Kong starts in. */
  env?: NodeJS.ProcessEnv;
  /** Variables the plugin server keeps (nginx clears the rest, as Kong does). */
  keepEnv?: string[];
  clientBodyBufferSize?: number;
  /** Per-request stats (default on). */
  stats?: boolean;
  kind?: StandinKind;
  /** Kong (nginx, or the driver's plugin server) in a process group of its own. */
  detached?: boolean;
}

/** What tests, the bench and npm start use of either stand-in. */
export interface KongStandin {
  kind: StandinKind;
  url: string;
  port: number;
  pluginServerPid(): number | undefined;
  events: EventEmitter;
  lastRequestStats(): RequestStats | undefined;
  nextRequestStats(): Promise<RequestStats>;
  /** Without options: stop at once. With `graceMs`: requests and streams in flight may finish first. */
  close(opts?: { graceMs?: number; pluginServerStopMs?: number }): Promise<void>;
}

/** KONG_STANDIN, else nginx when it and the Lua packages are installed, else js. */
export function standinKind(env: NodeJS.ProcessEnv = process.env): StandinKind {
  const wanted = env.KONG_STANDIN;
  if (wanted === 'nginx' || wanted === 'js') return wanted;
  if (wanted) throw new Error(`KONG_STANDIN must be nginx or js, not ${wanted}`);
  return 'missing' in findNginx() ? 'js' : 'nginx';
}

export async function startKongStandin(opts: KongStandinOptions): Promise<KongStandin> {
  const kind = opts.kind ?? standinKind();
  if (kind === 'nginx') return startKongNginx(opts);
  const driver = await startKongDriver(opts);
  return Object.assign(driver, { kind: 'js' as const });
}
