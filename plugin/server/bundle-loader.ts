// Entry of a data-plane worker thread started from the build's bundle
// (worker.bundle.js, scripts/bundle-worker.ts), with V8's code cache.
//
// V8 compiles a function when it first runs. Node's compile cache
// (../compile-cache.ts) stores a file's code as compiled when it loads,
// before any of it ran, so in a bundle, where every module is a function
// called on its first require, it holds next to nothing: each worker compiled
// all of its modules and the warm-up's paths again. Here the bundle runs through
// vm.Script, and a spare, once warm (worker.ts), saves V8's code cache of
// everything compiled so far. The next worker, in this process or the next
// plugin server a reload starts, starts with that code: 45-81 ms to load the
// bundle and run the first warm-up step became 34-48 on Node 24 (Node 20:
// 65-104 -> 51-89), the first request at once 15-20 % (bench/RESULTS.md §50).
//
// The cache is code the worker runs, so it lives in the compile cache's
// folder (this user's, nobody else may write there), named by the bundle's
// CRC-32 and length and by V8's version: V8 itself checks only the source's
// length. A cache V8 rejects (other flags) is written anew by the next spare.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { threadId } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
// Importing it enables Node's compile cache for what loads from outside the bundle.
import { compileCacheFolder } from '../compile-cache';
import { whenWarm } from './warm-signal';

export const BUNDLE = path.join(__dirname, 'worker.bundle.js');

/** Where the code cache of `source` is kept, or undefined without a safe folder. */
export function codeCacheFile(source: string, folder: string | undefined): string | undefined {
  if (!folder) return undefined;
  return path.join(folder, `data-worker-${crc32(source).toString(16)}-${source.length}-v8-${process.versions.v8}.cache`);
}

function readCache(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a worker starting meanwhile reads the old file or the new one. */
function writeCache(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}-${threadId}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/** Runs the bundle as Node runs a CommonJS file, with the code cache when there is a usable one. */
export function runBundle(file = BUNDLE, folder = compileCacheFolder()): { cacheFile?: string; cacheUsed: boolean } {
  const source = fs.readFileSync(file, 'utf8');
  const cacheFile = codeCacheFile(source, folder);
  const cachedData = readCache(cacheFile);
  // Node's own wrapper, on the source's first line, so that stack traces keep their lines.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: file, cachedData });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  if (cacheFile && !cacheUsed) whenWarm(() => writeCache(cacheFile, script.createCachedData()));
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return { cacheFile, cacheUsed };
}
