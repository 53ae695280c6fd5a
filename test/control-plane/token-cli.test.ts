// `npm run token` as a new user runs it: in a second shell, maybe without
// the GATEWAY_DATA_DIR the stack was started with. It must sign with the
// keys the running control plane uses, or refuse saying where it looked —
// never create a second key set.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../control-plane/config';
import { verifyBearer } from '../../control-plane/middleware/verify-token';
import { recordLocalStack } from '../../control-plane/local-stack';

const CLI = resolve(__dirname, '../../dist/control-plane/cli/token.js');

function runToken(cwd: string, env: Record<string, string>) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !['JWT_SECRET', 'JWT_PUBLIC_KEY', 'GATEWAY_DATA_DIR', 'GATEWAY_KEK'].includes(k)),
  );
  return spawnSync(process.execPath, [CLI, '--role', 'admin', '--sub', 'you'], { cwd, env: { ...clean, ...env }, encoding: 'utf8' });
}

describe('npm run token', () => {
  it('refuses without the stack’s keys, says where it looked, and creates nothing', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'token-cli-'));
    const cache = mkdtempSync(join(tmpdir(), 'token-cache-'));
    const out = runToken(cwd, { XDG_CACHE_HOME: cache });
    assert.equal(out.status, 1);
    assert.match(out.stderr, new RegExp(`no local key at ${join(cwd, '.data', 'jwt-secret').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(out.stderr, /npm start/);
    assert.equal(existsSync(join(cwd, '.data')), false, 'no second key set');
  });

  it('signs with the keys of the running local stack, wherever its data dir is', () => {
    const stackDir = mkdtempSync(join(tmpdir(), 'stack-data-'));
    const cache = mkdtempSync(join(tmpdir(), 'token-cache-'));
    // What the control plane does on its first start: create its keys, record where they are.
    const stackConfig = loadConfig({ GATEWAY_DATA_DIR: stackDir, NODE_ENV: 'development' });
    recordLocalStack({ dataDir: stackDir, url: 'http://127.0.0.1:8080', pid: process.pid }, { XDG_CACHE_HOME: cache });
    const cwd = mkdtempSync(join(tmpdir(), 'other-shell-'));
    const out = runToken(cwd, { XDG_CACHE_HOME: cache });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stderr, /using the keys of the local stack running at http:\/\/127\.0\.0\.1:8080/);
    const actor = verifyBearer(`Bearer ${out.stdout.trim()}`, stackConfig.jwt);
    assert.equal(actor.role, 'admin');
    assert.equal(existsSync(join(cwd, '.data')), false);
  });

  it('uses GATEWAY_DATA_DIR when it is set and holds the keys', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'named-data-'));
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'jwt-secret'), Buffer.alloc(48, 7).toString('base64') + '\n');
    writeFileSync(join(dataDir, 'kek'), Buffer.alloc(32, 9).toString('base64') + '\n');
    const out = runToken(mkdtempSync(join(tmpdir(), 'cwd-')), { GATEWAY_DATA_DIR: dataDir, XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'c-')) });
    assert.equal(out.status, 0, out.stderr);
    const config = loadConfig({ GATEWAY_DATA_DIR: dataDir }, { createLocalKeys: false });
    assert.equal(verifyBearer(`Bearer ${out.stdout.trim()}`, config.jwt).sub, 'you');
  });
});
