// `npm start`: the whole local stack on one machine.
//   control plane   node dist/control-plane/main.js (port CONTROL_PLANE_PORT, 8080),
//                   on an embedded FerretDB in GATEWAY_DATA_DIR unless MONGODB_URI is set
//   Kong stand-in   real nginx with OpenResty's Lua module (local/kong-nginx) when
//                   installed, else the JS Kong driver (KONG_STANDIN=nginx|js), on
//                   port GATEWAY_PORT (8000), running the real kong-js-pluginserver
//                   with the compiled plugin and kong.yml
// Production runs the plugin in real Kong (README "Deploying into Kong").
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../control-plane/config';
import { signToken } from '../control-plane/middleware/verify-token';
import { startKongStandin, standinKind } from './kong-standin';

const ROOT = resolve(__dirname, '../..');

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the control plane at ${url} did not become ready`);
}

async function main(): Promise<void> {
  // Creates the local JWT secret and KEK on first run, before the control plane reads them.
  const config = loadConfig();
  const controlPlaneUrl = `http://127.0.0.1:${config.port}`;
  const controlPlane = spawn(process.execPath, [join(ROOT, 'dist/control-plane/main.js')], { cwd: ROOT, stdio: 'inherit', env: process.env });
  controlPlane.once('exit', (code) => {
    console.error(`control plane exited (${code}); stopping`);
    process.exit(1);
  });
  await waitReady(controlPlaneUrl, 120_000);

  // The plugin's data-plane token, handed over the way kong.yml asks: Kong's env vault.
  process.env.LLM_GATEWAY_DATAPLANE_TOKEN = signToken(config.jwt, { sub: 'local-dataplane', role: 'dataplane' }, 30 * 86400);
  const kongYml = parse(readFileSync(join(ROOT, 'kong.yml'), 'utf8')) as { services: Array<{ plugins: Array<{ config: Record<string, unknown> }> }> };
  const pluginConfig = kongYml.services[0].plugins[0].config;
  pluginConfig.control_plane_url = controlPlaneUrl;
  pluginConfig.state_dir = join(config.dataDir, 'dataplane');
  const kind = standinKind();
  const gateway = await startKongStandin({
    kind,
    kongYml,
    pluginsDir: join(ROOT, 'dist/plugin/kong'),
    port: Number(process.env.GATEWAY_PORT ?? 8000),
    keepEnv: ['PATH', 'LLM_GATEWAY_LOG', 'LLM_GATEWAY_BUDGET_SLICES', 'LLM_GATEWAY_BUDGET_TIMEOUT_MS'],
    stats: false,
  });
  const standin =
    kind === 'nginx'
      ? 'real nginx + OpenResty Lua module (local/kong-nginx)'
      : 'the JS Kong driver (local/kong-driver; apt-get install nginx libnginx-mod-http-lua lua-resty-core lua-resty-lrucache lua-cjson lua-messagepack for real nginx)';

  console.log(`
  control plane   ${controlPlaneUrl}  (API docs: ${controlPlaneUrl}/docs)
  console         ${controlPlaneUrl}/console  (sign in with an admin token)
  gateway         ${gateway.url}/gateway/openai/v1   (OpenAI API; Anthropic API at ${gateway.url}/gateway/anthropic/v1)
  Kong stand-in   ${standin}
  admin token     npm run -s token -- --role admin --sub you
`);

  const stop = async () => {
    await gateway.close();
    controlPlane.removeAllListeners('exit');
    controlPlane.kill('SIGTERM');
    controlPlane.once('exit', () => process.exit(0));
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
