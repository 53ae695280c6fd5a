// PDK semantics against the real plugin server: phase order, multimaps, raw
// bodies, kong.response.exit, unknown methods, the thrown handler.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleYml, startUpstream, withDriver } from './test-helpers';

test('phases run in Kong order: rewrite (global only), access, then log after the response', async () => {
  const up = await startUpstream();
  try {
    await withDriver('reader', simpleYml('reader', up.url, { config: { exit: false } }), async (d) => {
      assert.equal((await fetch(`${d.url}/api`)).status, 200);
      const s = await d.nextRequestStats();
      assert.deepEqual(s.phases, ['rewrite', 'access', 'log']);
      const notices = s.trace.filter((c) => c.method === 'kong.log.notice').map((c) => `${c.phase}:${String(c.args[0])}`);
      assert.deepEqual(notices, ['rewrite:rewrite', 'access:access', 'log:log']);
      // Log runs in a timer with saved data: ctx.shared, status and request headers still answer.
      const log = s.trace.filter((c) => c.phase === 'log');
      assert.equal(log.find((c) => c.method === 'kong.ctx.shared.get')?.result, 'shared-value');
      assert.equal(log.find((c) => c.method === 'kong.response.get_status')?.result, 200);
    });
    // Scoped to a route, the plugin never sees rewrite: Kong runs it before routing.
    const routeScoped = {
      _format_version: '3.0',
      services: [{ name: 'svc', url: up.url, routes: [{ name: 'r', paths: ['/api'], plugins: [{ name: 'reader', config: { exit: false } }] }] }],
    };
    await withDriver('reader', routeScoped, async (d) => {
      await (await fetch(`${d.url}/api`)).text();
      assert.deepEqual((await d.nextRequestStats()).phases, ['access', 'log']);
    });
  } finally {
    await up.close();
  }
});

test('headers and query reach the plugin as multimaps (StepMultiMap, values as arrays)', async () => {
  await withDriver('reader', simpleYml('reader', 'http://127.0.0.1:9'), async (d) => {
    const res = await fetch(`${d.url}/api/x?a=1&a=2&flag&e=`, { headers: { 'X-Test-Header': 'v1', 'X-Dup': 'one' } });
    const out = (await res.json()) as Record<string, any>;
    assert.deepEqual(out.query, { a: ['1', '2'], flag: [], e: [''] });
    assert.equal(out.queryArg, '1');
    assert.equal(out.header, 'v1', 'get_header normalizes X_Test_Header like ngx.req.get_headers');
    assert.deepEqual(out.headers['x-test-header'], ['v1']);
    assert.equal(out.rawQuery, 'a=1&a=2&flag&e=');
    assert.equal(out.pathWithQuery, '/api/x?a=1&a=2&flag&e=');
    // nil leaves Data off the Step, so the plugin sees undefined (dropped by JSON.stringify).
    assert.ok(!('consumer' in out));
    assert.equal(out.route.name, 'r');
    assert.ok(!('unknown' in out), 'Kong logs "could not find pdk method" and answers nil');
    assert.ok(d.logger.has('could not find pdk method: kong.request.no_such_method'));
    const s = await d.nextRequestStats();
    assert.equal(s.pdkCalls['kong.request.get_header'], 2, 'one in access, one in log');
  });
});

test('raw body travels as bin; above client_body_buffer_size Kong 3.9 cannot pack nil and fails the request', async () => {
  await withDriver(
    'reader',
    simpleYml('reader', 'http://127.0.0.1:9'),
    async (d) => {
      const small = (await (await fetch(`${d.url}/api`, { method: 'POST', body: 'x'.repeat(100) })).json()) as Record<string, unknown>;
      assert.equal(small.bodyType, 'bin');
      assert.equal(small.bodyLength, 100);
      // nil from get_raw_body goes through mp_rpc's fix_raw -> lua-MessagePack does #nil -> Lua error -> 500.
      const big = await fetch(`${d.url}/api`, { method: 'POST', body: 'x'.repeat(9000), headers: { Accept: 'application/json' } });
      assert.equal(big.status, 500);
      assert.deepEqual(Object.keys((await big.json()) as object), ['message', 'request_id']);
      await d.nextRequestStats();
      const s = await d.nextRequestStats();
      assert.equal(s.trace.find((c) => c.method === 'kong.request.get_raw_body')?.result, undefined);
    },
    { clientBodyBufferSize: 8192 },
  );
  // Kong 3.9's get_raw_body(max) reads the spilled body when it fits under max.
  await withDriver('reader', simpleYml('reader', 'http://127.0.0.1:9', { config: { max_body: 20000 } }), async (d) => {
    const big = (await (await fetch(`${d.url}/api`, { method: 'POST', body: 'x'.repeat(9000) })).json()) as Record<string, unknown>;
    assert.equal(big.bodyType, 'bin');
    assert.equal(big.bodyLength, 9000);
  });
});

test('kong.response.exit ends the request with its status, body and headers, and no further Step', async () => {
  const up = await startUpstream();
  try {
    const config = { status: 403, body: 'denied', headers: { 'Content-Type': 'text/plain', 'X-Reason': 'nope' } };
    await withDriver('exit', simpleYml('exit', up.url, { config }), async (d) => {
      const res = await fetch(`${d.url}/api`);
      assert.equal(res.status, 403);
      assert.equal(await res.text(), 'denied');
      assert.equal(res.headers.get('x-reason'), 'nope');
      assert.equal(res.headers.get('content-type'), 'text/plain');
      assert.equal(res.headers.get('content-length'), '6');
      assert.equal(res.headers.get('server'), 'kong/3.9.1');
      assert.match(res.headers.get('x-kong-response-latency') ?? '', /^\d+$/);
      assert.match(res.headers.get('x-kong-request-id') ?? '', /^[0-9a-f]{32}$/);
      assert.equal(res.headers.get('via'), null);
      assert.equal(up.requests.length, 0, 'never proxied');
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(!d.logger.has('after_exit'), 'Kong sent no Step after exit, so the handler never resumed');
      const s = await d.nextRequestStats();
      assert.deepEqual(
        s.trace.map((c) => c.method),
        ['kong.response.exit'],
      );
    });
    // A table body is JSON-encoded by Kong (cjson escapes "/") with its JSON content type.
    await withDriver('exit', simpleYml('exit', up.url, { config: { status: 200, body: '{"a":"b/c"}', json_body: true } }), async (d) => {
      const res = await fetch(`${d.url}/api`);
      assert.equal(await res.text(), '{"a":"b\\/c"}');
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    });
    await withDriver('exit', simpleYml('exit', up.url, { config: { status: 201, body: 'bytes', binary_body: true } }), async (d) => {
      const res = await fetch(`${d.url}/api`);
      assert.equal(res.status, 201);
      assert.equal(await res.text(), 'bytes');
    });
  } finally {
    await up.close();
  }
});

test('a handler that throws is fail-open: the plugin server answers "ret" and Kong proxies', async () => {
  const up = await startUpstream();
  try {
    await withDriver('thrower', simpleYml('thrower', up.url), async (d) => {
      const res = await fetch(`${d.url}/api`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ok: true });
      assert.equal(up.requests.length, 1);
      assert.ok(d.logger.has('boom from thrower'), 'the plugin server logged the exception');
    });
  } finally {
    await up.close();
  }
});
