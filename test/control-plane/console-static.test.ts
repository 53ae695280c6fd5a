// /console: the built console under its Content-Security-Policy, long-lived
// caching only for content-hashed assets, and a plain answer when unbuilt.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import express from 'express';
import supertest from 'supertest';
import { CONSOLE_CSP, mountConsole } from '../../control-plane/loaders/console';

function builtConsole(): string {
  const dir = mkdtempSync(join(tmpdir(), 'console-dist-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/index-abc.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  return dir;
}

describe('/console', () => {
  it('serves index.html and assets with the CSP and security headers', async () => {
    const app = express();
    mountConsole(app, builtConsole());
    const http = supertest(app);
    await http.get('/console').expect(301).expect('location', '/console/');
    const index = await http.get('/console/').expect(200);
    assert.equal(index.headers['content-security-policy'], CONSOLE_CSP);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.headers['x-frame-options'], 'DENY');
    assert.equal(index.headers['referrer-policy'], 'no-referrer');
    assert.equal(index.headers['cache-control'], 'no-cache');
    const asset = await http.get('/console/assets/index-abc.js').expect(200);
    assert.match(asset.headers['content-type']!, /javascript/);
    assert.match(asset.headers['cache-control']!, /immutable/);
    assert.equal(asset.headers['content-security-policy'], CONSOLE_CSP);
  });

  it('allows nothing inline, nothing from elsewhere, no framing', () => {
    const directives = Object.fromEntries(CONSOLE_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    assert.equal(directives['default-src'], "'none'");
    assert.equal(directives['script-src'], "'self'");
    assert.equal(directives['style-src'], "'self'");
    assert.equal(directives['connect-src'], "'self'");
    assert.equal(directives['frame-ancestors'], "'none'");
    assert.equal(directives['require-trusted-types-for'], "'script'");
  });

  it('says how to build it when dist/console is missing', async () => {
    const app = express();
    mountConsole(app, undefined);
    const res = await supertest(app).get('/console/').expect(404);
    assert.match(res.text, /npm run build/);
  });
});
