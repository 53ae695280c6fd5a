// The compile cache's folder (compile-cache.ts): used only when this user owns
// it and nobody else may write to it. Runs on Node 20 (no compile cache: a
// no-op) and in npm test's Node 24 lane (enabled).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { compileCacheFolder } from './compile-cache';

describe('the compile cache folder', () => {
  const tmpdirBefore = process.env.TMPDIR;
  let tmp = '';
  const expected = () => path.join(tmp, `llm-gateway-compile-cache-${process.getuid!()}`);
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compile-cache-test-'));
    process.env.TMPDIR = tmp;
  });
  afterEach(() => {
    if (tmpdirBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdirBefore;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("is made in the temporary folder, this user's and closed to others", () => {
    assert.equal(compileCacheFolder(), expected());
    assert.equal(fs.statSync(expected()).mode & 0o777, 0o700);
    assert.equal(compileCacheFolder(), expected(), 'and found again');
  });

  it('is refused when others may write to it', () => {
    fs.mkdirSync(expected(), { mode: 0o700 });
    fs.chmodSync(expected(), 0o777);
    assert.equal(compileCacheFolder(), undefined);
  });

  it('is refused when it is a link', () => {
    const elsewhere = fs.mkdtempSync(path.join(tmp, 'elsewhere-'));
    fs.chmodSync(elsewhere, 0o700);
    fs.symlinkSync(elsewhere, expected());
    assert.equal(compileCacheFolder(), undefined);
  });

  it('is refused when another user owns it', { skip: process.getuid!() !== 0 && 'needs root to give the folder away' }, () => {
    fs.mkdirSync(expected(), { mode: 0o700 });
    fs.chownSync(expected(), 65534, 65534);
    assert.equal(compileCacheFolder(), undefined);
  });

  it("is the thread's compile cache where Node has one, and nothing is enabled where it does not", () => {
    const script = `require(${JSON.stringify(require.resolve('./compile-cache'))}); const m = require('node:module'); console.log(JSON.stringify(m.getCompileCacheDir ? m.getCompileCacheDir() ?? null : 'none'))`;
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' })) as
      string | null;
    const hasCache = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';
    // Node keeps each version's cache in a folder of its own inside.
    if (hasCache) assert.ok(out?.startsWith(expected() + path.sep), `the cache is in ${String(out)}`);
    else assert.equal(out, 'none');
  });
});
