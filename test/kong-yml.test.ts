// kong.yml is what real Kong loads: it must parse as declarative config 3.0
// and its plugin config must validate against the plugin's own Schema, as
// reported by the real plugin server (--dump-all-plugins, like Kong).
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadDeclarative } from '../local/kong-driver/declarative';
import { queryPluginInfo } from '../local/kong-driver/plugin-server';
import { validateConfig } from '../local/kong-driver/schema';

const ROOT = resolve(__dirname, '..');
const declarative = loadDeclarative(join(ROOT, 'kong.yml'));
const info = queryPluginInfo(join(ROOT, 'dist/plugin/kong')).registered;
const schema = info.Schema.fields[0]!.config.fields;

test('the plugin server reports the llm-gateway plugin with an access phase only', () => {
  assert.equal(info.Name, 'llm-gateway');
  assert.deepEqual(info.Phases, ['access']);
  assert.equal(info.Priority, 770);
});

test('routes stream (no response buffering), keep the path, and Kong never replays a ticket', () => {
  assert.equal(declarative.services.length, 1);
  assert.equal(declarative.services[0]!.retries, 0);
  // The data port is set per request (set_target); the service URL is a dead end for a request the plugin did not admit.
  assert.match(declarative.services[0]!.host, /\.invalid$/);
  const paths = declarative.routes.flatMap((r) => r.paths ?? []).sort();
  assert.deepEqual(paths, ['/gateway/anthropic/v1', '/gateway/openai/v1']);
  for (const route of declarative.routes) {
    assert.equal(route.response_buffering, false, `${route.name} streams`);
    assert.equal(route.strip_path, false);
  }
});

test("kong.yml's plugin config validates against the plugin's Schema, the token from Kong's env vault", () => {
  const plugin = declarative.plugins.find((p) => p.name === 'llm-gateway');
  assert.ok(plugin);
  process.env.LLM_GATEWAY_DATAPLANE_TOKEN = 'token-from-env';
  const conf = validateConfig(schema, plugin.config);
  assert.equal(conf.dataplane_token, 'token-from-env');
  assert.equal(conf.data_port, 0, 'no fixed data port: each plugin server picks its own (kong reload runs two at once)');
  assert.equal(conf.identify_consumer, true, 'defaults are filled');
  delete process.env.LLM_GATEWAY_DATAPLANE_TOKEN;
  assert.throws(() => validateConfig(schema, plugin.config), /LLM_GATEWAY_DATAPLANE_TOKEN is not set/);
});

test('the Schema rejects what the plugin cannot run with', () => {
  assert.throws(() => validateConfig(schema, { control_plane_url: 'http://x' }), /dataplane_token: required/);
  assert.throws(() => validateConfig(schema, { dataplane_token: 't', data_port: 70000 }), /data_port: value should be between/);
  assert.throws(() => validateConfig(schema, { dataplane_token: 't', surprise: 1 }), /surprise: unknown field/);
});

test("deploy/kong.yml is kong.yml with the control plane at its compose service name (not the Kong container's own loopback)", () => {
  const deployed = loadDeclarative(join(ROOT, 'deploy/kong.yml'));
  const plugin = deployed.plugins.find((p) => p.name === 'llm-gateway')!;
  const url = new URL(String(plugin.config.control_plane_url));
  assert.equal(url.hostname, 'control-plane');
  const strip = (d: typeof declarative) =>
    JSON.stringify({ ...d, plugins: d.plugins.map((p) => ({ ...p, config: { ...p.config, control_plane_url: undefined } })) }, (k, v) =>
      k === 'created_at' || k === 'updated_at' ? undefined : v,
    );
  assert.equal(strip(deployed), strip(declarative), 'everything else as in kong.yml');
});
