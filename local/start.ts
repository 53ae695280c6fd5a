// `npm start`: the whole local stack on one machine, supervised.
//   FerretDB        embedded database in GATEWAY_DATA_DIR/ferretdb, unless MONGODB_URI is set
//   control plane   node dist/control-plane/main.js (port CONTROL_PLANE_PORT, 8080)
//                   (both at nice 10, GATEWAY_NICE: requests get the cores first)
//   Kong stand-in   real nginx with OpenResty's Lua module (local/kong-nginx) when
//                   installed, else the JS Kong driver (KONG_STANDIN=nginx|js), on
//                   port GATEWAY_PORT (8000), running the real kong-js-pluginserver
//                   with the compiled plugin and kong.yml
// Production runs the plugin in real Kong (README "Deploying into Kong").
//
// A part that crashes is started again while the others go on (the gateway
// serves from its cached configuration meanwhile; the stand-in restarts its
// plugin server as Kong does). A part that fails to start (a port taken)
// stops everything already started. SIGINT/SIGTERM stop the parts in order:
// the gateway drains its requests and streams, its plugin server flushes
// traces to the control plane, then the control plane, then the database.
// The parts run in process groups of their own (a Ctrl-C reaches only this
// launcher) and stop by themselves if it is killed outright.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../control-plane/config';
import { startFerretDB } from '../control-plane/loaders/ferretdb';
import { sharedHostNice } from '../control-plane/process-priority';
import { localUriFile } from '../control-plane/local-keys';
import { signToken } from '../control-plane/middleware/verify-token';
import { startKongStandin, standinKind, type StandinKind } from './kong-standin';
import { supervise, type RunningPart } from './supervise';

const ROOT = resolve(__dirname, '../..');
const log = (message: string) => console.error(`[npm start] ${message}`);

interface Gateway {
  url: string;
  kind: StandinKind;
  stop(): Promise<void>;
}

type KongYml = { services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }> };

/** What the plugin server keeps of the environment (nginx clears the rest, as Kong does; KONG_NGINX_MAIN_ENV adds names). */
const PLUGIN_SERVER_ENV = [
  'PATH',
  'LLM_GATEWAY_LOG',
  'LLM_GATEWAY_BUDGET_SLICES',
  'LLM_GATEWAY_BUDGET_TIMEOUT_MS',
  'LLM_GATEWAY_OUTBOUND_ALLOW',
  'LLM_GATEWAY_FAULT_INJECTION',
  'LLM_GATEWAY_UPSTREAM_HTTP2',
  'NODE_EXTRA_CA_CERTS',
];

/** The local gateway: a stand-in for Kong around the real plugin server. The one place that picks the stand-in. */
async function startGateway(opts: { kongYml: KongYml; port: number; env: NodeJS.ProcessEnv; graceMs: number }): Promise<Gateway> {
  const kind = standinKind();
  const gateway = await startKongStandin({
    kind,
    kongYml: opts.kongYml,
    pluginsDir: join(ROOT, 'dist/plugin/kong'),
    port: opts.port,
    env: opts.env,
    keepEnv: PLUGIN_SERVER_ENV,
    stats: false,
    detached: true,
  });
  return { url: gateway.url, kind, stop: () => gateway.close({ graceMs: opts.graceMs, pluginServerStopMs: opts.graceMs + 15_000 }) };
}

function databaseStarter(dataDir: string, nice: number): () => Promise<RunningPart & { uri: string }> {
  let port: number | undefined; // a restarted FerretDB keeps its port: the control plane's URI stays valid
  return async () => {
    const db = await startFerretDB({ dataDir, port, detached: true, nice });
    port = db.port;
    return { uri: db.uri, pid: db.pid, exited: db.exited, stop: () => db.stop() };
  };
}

function controlPlaneStarter(env: NodeJS.ProcessEnv): () => Promise<RunningPart> {
  return () =>
    new Promise((resolvePart, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist/control-plane/main.js')], {
        cwd: ROOT,
        env,
        stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
        detached: true,
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the control plane was not ready within 120 s'));
      }, 120_000);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the control plane exited (code ${code}) before it was ready`));
      });
      // The child says it listens (a /readyz poll could be answered by another process on the port).
      child.on('message', (m: { type?: string } | null) => {
        if (m?.type !== 'ready') return;
        clearTimeout(timer);
        child.channel?.unref();
        resolvePart({
          pid: child.pid,
          exited,
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const force = setTimeout(() => child.kill('SIGKILL'), 35_000);
            await exited;
            clearTimeout(force);
          },
        });
      });
    });
}

async function main(): Promise<void> {
  // Creates the local JWT secret and KEK on first run, before the control plane reads them.
  const config = loadConfig();
  const controlPlaneUrl = `http://127.0.0.1:${config.port}`;
  const parts: Array<{ name: string; stop(): Promise<void> }> = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const part of [...parts].reverse()) {
        await part.stop().catch((err: unknown) => log(`stopping ${part.name}: ${err instanceof Error ? err.message : String(err)}`));
      }
    })());
  const started = (name: string, part: { stop(): Promise<void> }) => {
    parts.push({ name, stop: () => part.stop() });
    if (stopping) throw new Error('stopped while starting');
  };
  const onSignal = (signal: string) => {
    if (stopping) {
      log(`${signal} again: exiting now (the parts stop by themselves)`);
      process.exit(1);
    }
    log(`${signal}: stopping (requests and streams in flight may finish)`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  try {
    // The local stack talks to fakes and local models on loopback; production refuses loopback targets by default.
    const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_OUTBOUND_ALLOW: process.env.GATEWAY_OUTBOUND_ALLOW ?? 'loopback' };
    env.LLM_GATEWAY_OUTBOUND_ALLOW ??= env.GATEWAY_OUTBOUND_ALLOW;
    // One host: the control plane and its database yield the cores to requests (control-plane/process-priority.ts).
    env.GATEWAY_NICE = String(sharedHostNice(env));
    if (!config.mongoUri) {
      const dir = join(config.dataDir, 'ferretdb');
      mkdirSync(dir, { recursive: true });
      const start = databaseStarter(dir, sharedHostNice(env));
      let uri = '';
      const db = await supervise(
        'FerretDB',
        async () => {
          const part = await start();
          uri = part.uri;
          return part;
        },
        log,
      );
      started('FerretDB', db);
      env.MONGODB_URI = `${uri}kong-llm-gateway`;
      writeFileSync(localUriFile(config.dataDir), `${env.MONGODB_URI}\n`); // for npm run token / rotate-kek
    }
    started('the control plane', await supervise('the control plane', controlPlaneStarter(env), log));

    // The plugin's data-plane token, handed over the way kong.yml asks: Kong's env vault.
    process.env.LLM_GATEWAY_DATAPLANE_TOKEN = signToken(config.jwt, { sub: 'local-dataplane', role: 'dataplane' }, 30 * 86400);
    env.LLM_GATEWAY_DATAPLANE_TOKEN = process.env.LLM_GATEWAY_DATAPLANE_TOKEN;
    const kongYml = parse(readFileSync(join(ROOT, 'kong.yml'), 'utf8')) as KongYml;
    const pluginConfig = kongYml.services[0]?.plugins[0]?.config;
    if (!pluginConfig) throw new Error('kong.yml: the first service has no plugin to configure');
    pluginConfig.control_plane_url = controlPlaneUrl;
    pluginConfig.state_dir = join(config.dataDir, 'dataplane');
    const graceMs = Number(pluginConfig.shutdown_grace_seconds ?? 30) * 1000;
    const gateway = await startGateway({ kongYml, port: Number(process.env.GATEWAY_PORT ?? 8000), env, graceMs });
    started('the gateway', gateway);

    const standin =
      gateway.kind === 'nginx'
        ? 'real nginx + OpenResty Lua module (local/kong-nginx)'
        : 'the JS Kong driver (local/kong-driver; apt-get install nginx libnginx-mod-http-lua lua-resty-core lua-resty-lrucache lua-cjson lua-messagepack for real nginx)';
    console.log(`
  control plane   ${controlPlaneUrl}  (API docs: ${controlPlaneUrl}/docs)
  console         ${controlPlaneUrl}/console  (sign in with an admin token)
  gateway         ${gateway.url}/gateway/openai/v1   (OpenAI API; Anthropic API at ${gateway.url}/gateway/anthropic/v1)
  Kong stand-in   ${standin}
  admin token     npm run -s token -- --role admin --sub you
`);
  } catch (err) {
    if (stopping) return;
    log(`${err instanceof Error ? err.message : String(err)}; stopping what was started`);
    await stopAll();
    process.exit(1);
  }
}

void main();
