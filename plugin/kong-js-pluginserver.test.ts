import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..');
const PLUGINS = resolve(ROOT, 'dist/plugin/kong');

/** Runs a start command as Kong's query command, and reports its dump and whether it loaded the TypeScript compiler. */
async function dumpWith(entry: string): Promise<{ names: string[]; typescriptLoaded: boolean }> {
  const script = `
    process.argv = [process.argv[0], ${JSON.stringify(entry)}, '--plugins-directory', ${JSON.stringify(PLUGINS)}, '--dump-all-plugins'];
    process.on('exit', () => process.stderr.write('typescript:' + Object.keys(require.cache).some((k) => /[\\\\/]node_modules[\\\\/]typescript[\\\\/]/.test(k))));
    require(${JSON.stringify(entry)});`;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script], {
    cwd: ROOT,
    timeout: 30_000,
    env: { ...process.env, LLM_GATEWAY_SPARE_WORKER: '0' },
  });
  const dump = JSON.parse(stdout) as Array<{ Name: string }>;
  return { names: dump.map((p) => p.Name), typescriptLoaded: /typescript:true/.test(stderr) };
}

test("our start command serves the plugin as kong-pdk's does, without loading the TypeScript compiler", async () => {
  const ours = await dumpWith(resolve(ROOT, 'dist/plugin/kong-js-pluginserver.js'));
  assert.deepEqual(ours, { names: ['llm-gateway'], typescriptLoaded: false });
  // kong-pdk's own command loads it (ts-node's registration): what ours avoids.
  const theirs = await dumpWith(require.resolve('kong-pdk/bin/kong-js-pluginserver'));
  assert.deepEqual(theirs, { names: ['llm-gateway'], typescriptLoaded: true });
});
