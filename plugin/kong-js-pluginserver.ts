// Kong's start and query command for this plugin: kong-pdk's own
// `kong-js-pluginserver`, run without ts-node.
//
// kong-pdk calls `require('ts-node').register()` as it loads, so that plugins
// written in TypeScript can run from source. This plugin is compiled
// JavaScript, and the registration loads the whole TypeScript compiler into
// the plugin server's main thread: measured here, the server listened 260-310
// ms after its start instead of 113-118, and held 86-88 MB resident instead
// of 51-52. Those milliseconds are the window after a crash in which Kong
// answers its own 500 to a request on an nginx worker with no plugin instance
// yet (docs/reliability.md), and the wait of the first request after a
// reload. ts-node's source-map hook also ran on every error's stack.
//
// Kong runs it as `node [--no-memory-reducer] dist/plugin/kong-js-pluginserver.js
// <kong-js-pluginserver's own arguments>` (README: deploy on Kong).
import './compile-cache';
import { dirname } from 'node:path';

/** Answers kong-pdk's `require('ts-node')` with a registration that does nothing. */
function withoutTsNode(): void {
  const pdkLib = dirname(require.resolve('kong-pdk/lib/mod'));
  let tsNode: string;
  try {
    tsNode = require.resolve('ts-node', { paths: [pdkLib] });
  } catch {
    return; // a kong-pdk that no longer needs it
  }
  const stub = { id: tsNode, filename: tsNode, loaded: true, exports: { register: () => undefined } };
  require.cache[tsNode] = stub as unknown as NodeJS.Module;
}

withoutTsNode();
// The spare data-plane worker (workers/spare-worker.ts) starts loading now, on
// its own thread, while this one loads kong-pdk and the plugin: the plugin's
// own require of the module finds this instance and its spare.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- before kong-pdk, on purpose
(require('./workers/spare-worker') as typeof import('./workers/spare-worker')).makeSpare();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kong-pdk's command, run as it is, after the stub above
require('kong-pdk/bin/kong-js-pluginserver');
