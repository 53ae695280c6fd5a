import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';

test("the parts are the index's own classes and functions, from undici 8 where the runtime has it", async () => {
  const parts = await import('./undici-parts');
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const off = process.env.LLM_GATEWAY_UPSTREAM_HTTP2?.trim().toLowerCase() === 'off';
  assert.equal(parts.UNDICI_PACKAGE, (major > 22 || (major === 22 && minor >= 19)) && !off ? 'undici-h2' : 'undici');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the index itself, to compare with
  const undici = require(parts.UNDICI_PACKAGE) as typeof import('undici');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed version, to compare with
  const { version } = require(`${parts.UNDICI_PACKAGE}/package.json`) as { version: string };
  assert.equal(version.split('.')[0], parts.UPSTREAM_HTTP2 ? '8' : '7');
  assert.equal(parts.Agent, undici.Agent);
  assert.equal(parts.errors, undici.errors);
  assert.equal(parts.buildConnector, undici.buildConnector);
});

test('request() sends method, path, query and body, on a given dispatcher or the global one', async () => {
  const { Agent, request } = await import('./undici-parts');
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent();
  try {
    const posted = await request(`${base}/v1/chat?x=1&y=2`, { method: 'POST', body: 'hello', dispatcher: agent });
    assert.equal(posted.statusCode, 200);
    assert.deepEqual(await posted.body.json(), { method: 'POST', url: '/v1/chat?x=1&y=2', body: 'hello' });
    const got = await request(new URL(`${base}/models`));
    assert.deepEqual(await got.body.json(), { method: 'GET', url: '/models', body: '' });
  } finally {
    await agent.close();
    server.close();
  }
});
