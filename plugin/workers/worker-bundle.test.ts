// The data-plane worker as the build bundles it (scripts/bundle-worker.ts):
// started from the bundle when it is current, loading at its start no more
// than the modules one by one do (plugin/server/worker-modules.test.ts), and
// with the code cache a warm spare saved (plugin/server/bundle-loader.ts).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Worker } from 'node:worker_threads';
import { workerEntry } from './spare-worker';
import { codeCacheFile } from '../server/bundle-loader';

const BUNDLE = resolve(__dirname, '../../dist/plugin/server/worker.bundle.js');
const BUNDLED_WORKER = resolve(__dirname, '../../dist/plugin/server/bundled-worker.js');
const BUNDLE_LOADER = resolve(__dirname, '../../dist/plugin/server/bundle-loader.js');

test('a worker starts from the bundle when it is there and not older than the compiled modules', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'worker-entry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'worker.bundle.js');
  const modules = join(dir, 'worker.js');
  const bundled = join(dir, 'bundled-worker.js');
  writeFileSync(modules, '');
  assert.equal(workerEntry(bundle, modules, bundled), modules, 'no bundle (run from the sources)');
  writeFileSync(bundle, '');
  utimesSync(modules, 1_000, 1_000);
  utimesSync(bundle, 2_000, 2_000);
  assert.equal(workerEntry(bundle, modules, bundled), bundled, 'the bundle, through its loader');
  utimesSync(modules, 3_000, 3_000);
  assert.equal(workerEntry(bundle, modules, bundled), modules, 'tsc ran again without the bundle: its modules, not stale code');
});

test("the bundled worker finds the build's precompiled validators and loads none of what waits for first use", async () => {
  // What a spare has loaded once its module body ran (its first warm-up step included), started as spares are.
  const code = `
    require(${JSON.stringify(BUNDLED_WORKER)});
    require('node:worker_threads').parentPort.postMessage(Object.keys(require.cache));
    process.exit(0);`;
  const worker = new Worker(code, { eval: true });
  const loaded = await new Promise<string[]>((done, fail) => {
    worker.once('message', done);
    worker.once('error', fail);
  });
  const found = (pattern: RegExp) => loaded.map((m) => m.replace(/\\/g, '/')).filter((m) => pattern.test(m));
  assert.deepEqual(found(/\/dist\/plugin\/server\/bundle-loader\.js$/).length, 1);
  // Found by its path from the bundle's folder: else every schema would be compiled at start, Ajv's compiler with them.
  assert.equal(found(/\/dist\/plugin\/validation\/precompiled-validators\.js$/).length, 1);
  assert.deepEqual(found(/\/node_modules\/ajv\/lib\//), []);
  assert.deepEqual(found(/\/node_modules\/ajv\/dist\/(ajv|core|compile\/index)\.js$/), []);
  // Our own modules come from the bundle only: a second copy of one would hold state of its own. The loader's
  // own (the folder's rule, the warm hook on the global object) hold none.
  const loaders = ['validation/precompiled-validators', 'server/bundled-worker', 'server/bundle-loader', 'server/warm-signal', 'compile-cache'];
  assert.deepEqual(found(new RegExp(`/dist/plugin/(?!(${loaders.join('|')})\\.js$)`)), []);
  for (const lazy of [
    /\/node_modules\/@opentelemetry\//,
    /\/node_modules\/(@smithy|@aws-crypto)\//,
    /\/node_modules\/@pydantic\/genai-prices\//,
    /\/node_modules\/typescript\//,
  ])
    assert.deepEqual(found(lazy), [], String(lazy));
});

/**
 * A worker running the bundle as spares do, with the code cache in `folder`; resolves with what runBundle said.
 * It ends itself when sent anything, and at the test's end whatever failed (a worker left running would keep
 * the test's process alive).
 */
function startFromBundle(t: TestContext, folder: string): { worker: Worker; started: Promise<{ cacheFile?: string; cacheUsed: boolean }> } {
  const code = `
    const { runBundle } = require(${JSON.stringify(BUNDLE_LOADER)});
    const { parentPort } = require('node:worker_threads');
    parentPort.postMessage(runBundle(${JSON.stringify(BUNDLE)}, ${JSON.stringify(folder)}));
    parentPort.on('message', () => process.exit(0));`;
  const worker = new Worker(code, { eval: true });
  worker.unref();
  t.after(() => worker.postMessage('end'));
  const started = new Promise<{ cacheFile?: string; cacheUsed: boolean }>((done, fail) => {
    worker.once('message', done);
    worker.once('error', fail);
  });
  return { worker, started };
}

async function waitForFile(file: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`${file} not written within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a spare saves V8's code cache once warm; the next worker starts with it, and one V8 rejects is written anew", async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'worker-code-cache-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));

  const first = startFromBundle(t, folder);
  const a = await first.started;
  assert.equal(a.cacheUsed, false, 'no cache yet');
  assert.ok(a.cacheFile?.startsWith(folder));
  // Written by the spare once its warm-up (translation rounds, HTTP to itself, every provider) is done.
  await waitForFile(a.cacheFile!, 60_000);
  first.worker.postMessage('end');
  assert.ok(statSync(a.cacheFile!).size > 100_000, 'the compiled code of the modules and the warm-up paths');

  const second = startFromBundle(t, folder);
  const b = await second.started;
  second.worker.postMessage('end');
  assert.deepEqual(b, { cacheFile: a.cacheFile, cacheUsed: true });

  // A damaged cache: V8 refuses it, the worker runs from the source and its warm-up writes a good one.
  const good = readFileSync(a.cacheFile!);
  const bad = Buffer.from(good);
  bad.fill(0x5a, 0, 64);
  writeFileSync(a.cacheFile!, bad);
  const third = startFromBundle(t, folder);
  const c = await third.started;
  assert.equal(c.cacheUsed, false);
  const until = Date.now() + 60_000;
  while (readFileSync(a.cacheFile!).subarray(0, 64).equals(bad.subarray(0, 64))) {
    assert.ok(Date.now() < until, 'the rejected cache was not replaced');
    await new Promise((r) => setTimeout(r, 50));
  }
  third.worker.postMessage('end');
  const fourth = startFromBundle(t, folder);
  const d = await fourth.started;
  fourth.worker.postMessage('end');
  assert.equal(d.cacheUsed, true);
});

test("the code cache is named by the bundle's content and V8's version, and needs a folder only this user may write", () => {
  const folder = mkdtempSync(join(tmpdir(), 'worker-code-cache-'));
  try {
    const a = codeCacheFile('x'.repeat(1000), folder);
    const b = codeCacheFile(`${'x'.repeat(999)}y`, folder);
    assert.ok(a && b);
    // V8 itself checks only the source's length: the same length with other code must not find this cache.
    assert.notEqual(a, b);
    assert.match(a, new RegExp(`-v8-${process.versions.v8.replace(/\./g, '\\.')}\\.cache$`));
    assert.equal(codeCacheFile('x', undefined), undefined);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
