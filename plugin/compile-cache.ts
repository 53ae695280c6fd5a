// Node's on-disk cache of compiled module code (Node 22.1 and later; a no-op
// before): the plugin server a reload starts, and each data worker it starts,
// load their modules from the cache instead of compiling them again, which
// is most of a new worker's start (bench/RESULTS.md §44). Imported first by
// each thread's entry, before anything else loads.
//
// Kong starts plugin servers with a cleared environment, so NODE_COMPILE_CACHE
// cannot carry a folder: this one is in the temporary folder, per user, and
// used only if this user owns it and nobody else may write to it. A cache
// planted by someone else would be code run by the gateway.
import fs from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

const enable = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;

export function compileCacheFolder(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = path.join(os.tmpdir(), `llm-gateway-compile-cache-${uid}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

if (enable) {
  const dir = compileCacheFolder();
  if (dir) enable(dir);
}
