// Shared pieces for the nginx stand-in's own tests: the stand-in started
// against a fixture plugin (test/fixtures/kong-plugins) or one written for the
// test, and a raw RPC client to the plugin server's socket.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RpcPool } from '../kong-driver/msgpack-rpc';
import { FIXTURES } from '../kong-driver/test-helpers';
import { nginxAvailable } from './find-nginx';
import { startKongNginx, type KongNginx, type KongNginxOptions } from './gateway';

export { simpleYml, startUpstream } from '../kong-driver/test-helpers';

/** `skip` option for node:test when the Debian packages are missing. */
export const NO_NGINX = nginxAvailable() ? false : 'nginx with the Lua module is not installed';

export async function withNginx(
  plugin: string,
  kongYml: Record<string, unknown>,
  fn: (g: KongNginx) => Promise<void>,
  extra: Partial<KongNginxOptions> = {},
): Promise<void> {
  const g = await startKongNginx({ kongYml, pluginsDir: extra.pluginsDir ?? path.join(FIXTURES, plugin), logLevel: 'info', workerProcesses: 1, ...extra });
  try {
    await fn(g);
  } finally {
    await g.close();
  }
}

/** A plugins directory holding one plugin file with this source. */
export function writePlugin(name: string, source: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kong-nginx-plugin-'));
  fs.writeFileSync(path.join(dir, `${name}.js`), source);
  return dir;
}

/** An executable script in a temp dir. */
export function writeScript(source: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kong-nginx-cmd-')), 'cmd.sh');
  fs.writeFileSync(file, source, { mode: 0o755 });
  return file;
}

export function rpcTo(g: KongNginx): RpcPool {
  return new RpcPool(path.join(g.prefix, 'js_pluginserver.sock'));
}

export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
