// The data-plane worker as the build bundles it (scripts/bundle-worker.ts):
// started from the bundle when it is current, and loading at its start no
// more than the modules one by one do (plugin/server/worker-modules.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { workerEntry } from './spare-worker';

const BUNDLE = resolve(__dirname, '../../dist/plugin/server/worker.bundle.js');

test('a worker starts from the bundle when it is there and not older than the compiled modules', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'worker-entry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'worker.bundle.js');
  const modules = join(dir, 'worker.js');
  writeFileSync(modules, '');
  assert.equal(workerEntry(bundle, modules), modules, 'no bundle (run from the sources)');
  writeFileSync(bundle, '');
  utimesSync(modules, 1_000, 1_000);
  utimesSync(bundle, 2_000, 2_000);
  assert.equal(workerEntry(bundle, modules), bundle);
  utimesSync(modules, 3_000, 3_000);
  assert.equal(workerEntry(bundle, modules), modules, 'tsc ran again without the bundle: its modules, not stale code');
});

test("the bundled worker finds the build's precompiled validators and loads none of what waits for first use", async () => {
  // What a spare has loaded once its module body ran (its first warm-up step included).
  const code = `
    require(${JSON.stringify(BUNDLE)});
    require('node:worker_threads').parentPort.postMessage(Object.keys(require.cache));
    process.exit(0);`;
  const worker = new Worker(code, { eval: true });
  const loaded = await new Promise<string[]>((done, fail) => {
    worker.once('message', done);
    worker.once('error', fail);
  });
  const found = (pattern: RegExp) => loaded.map((m) => m.replace(/\\/g, '/')).filter((m) => pattern.test(m));
  assert.deepEqual(found(/\/dist\/plugin\/server\/worker\.bundle\.js$/).length, 1);
  // Found by its path from the bundle's folder: else every schema would be compiled at start, Ajv's compiler with them.
  assert.equal(found(/\/dist\/plugin\/validation\/precompiled-validators\.js$/).length, 1);
  assert.deepEqual(found(/\/node_modules\/ajv\/lib\//), []);
  assert.deepEqual(found(/\/node_modules\/ajv\/dist\/(ajv|core|compile\/index)\.js$/), []);
  // Our own modules come from the bundle only: a second copy of one would hold state of its own.
  assert.deepEqual(found(/\/dist\/plugin\/(?!validation\/precompiled-validators\.js$|server\/worker\.bundle\.js$)/), []);
  for (const lazy of [
    /\/node_modules\/@opentelemetry\//,
    /\/node_modules\/(@smithy|@aws-crypto)\//,
    /\/node_modules\/@pydantic\/genai-prices\//,
    /\/node_modules\/typescript\//,
  ])
    assert.deepEqual(found(lazy), [], String(lazy));
});
