// The request path under real nginx: what ends a request, what a failing
// handler does, Kong's headers, and streaming with response_buffering off.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { NO_NGINX, simpleYml, startUpstream, withNginx } from './test-helpers';

test('kong.response.exit ends the request in access: no upstream call, no further PDK call answered', { skip: NO_NGINX }, async () => {
  const up = await startUpstream();
  try {
    const config = { status: 429, body: '{"error":"slow down"}', headers: { 'Content-Type': 'application/json', 'Retry-After': '7' } };
    await withNginx('exit', simpleYml('exit', up.url, { config }), async (g) => {
      const res = await fetch(`${g.url}/api`);
      assert.equal(res.status, 429);
      assert.equal(await res.text(), '{"error":"slow down"}');
      assert.equal(res.headers.get('retry-after'), '7');
      assert.equal(res.headers.get('content-length'), '21');
      assert.equal(res.headers.get('server'), 'kong/3.9.1');
      assert.match(res.headers.get('x-kong-response-latency') ?? '', /^\d+$/);
      assert.equal(up.requests.length, 0);
      const s = await g.nextRequestStats();
      assert.deepEqual(Object.keys(s.pdkCalls), ['kong.response.exit']);
      assert.ok(!g.logHas('after_exit'), 'the handler never resumes after exit');
    });
  } finally {
    await up.close();
  }
});

test('a Lua error in the access phase (a PDK call Kong rejects) is a 500 and the request never reaches the service', { skip: NO_NGINX }, async () => {
  const up = await startUpstream();
  try {
    await withNginx('rewrite-upstream', simpleYml('rewrite-upstream', up.url, { config: { target_host: '127.0.0.1', target_port: 70000 } }), async (g) => {
      const res = await fetch(`${g.url}/api`, { headers: { Accept: 'application/json' } });
      assert.equal(res.status, 500);
      const body = (await res.json()) as { message: string; request_id: string };
      assert.equal(body.message, 'An unexpected error occurred');
      assert.equal(body.request_id, res.headers.get('x-kong-request-id'));
      assert.equal(up.requests.length, 0);
      assert.ok(g.logHas('port must be an integer between 0 and 65535: given 70000'));
    });
  } finally {
    await up.close();
  }
});

test('a handler that throws: the plugin server answers "ret" and Kong proxies anyway (fail-open, as Kong 3.9)', { skip: NO_NGINX }, async () => {
  const up = await startUpstream();
  try {
    await withNginx('thrower', simpleYml('thrower', up.url), async (g) => {
      const res = await fetch(`${g.url}/api`);
      assert.equal(res.status, 200);
      assert.equal(up.requests.length, 1, 'this is why the plugin must catch its own errors');
      assert.deepEqual(Object.keys((await g.nextRequestStats()).pdkCalls), ['kong.request.get_header']);
    });
  } finally {
    await up.close();
  }
});

test(
  'set_target, path, query, method, headers and body reach the target; Kong adds its upstream headers; Host has no port after set_target',
  { skip: NO_NGINX },
  async () => {
    const target = await startUpstream((_req, res) => {
      res.setHeader('Via', '1.1 upstream');
      res.end('from target');
    });
    const service = await startUpstream();
    try {
      const config = { target_host: '127.0.0.1', target_port: target.port, path: '/v9/new', query: 'k=v', method: 'PUT', body: 'new body' };
      await withNginx('rewrite-upstream', simpleYml('rewrite-upstream', service.url, { config }), async (g) => {
        const res = await fetch(`${g.url}/api/old?q=1`, { method: 'POST', body: 'old body', headers: { 'X-Remove-Me': '1', 'X-Forwarded-For': '10.0.0.1' } });
        assert.equal(await res.text(), 'from target');
        assert.equal(service.requests.length, 0);
        const [r] = target.requests;
        assert.equal(r!.method, 'PUT');
        assert.equal(r!.url, '/v9/new?k=v');
        assert.equal(r!.body.toString(), 'new body');
        // kong.service.set_target sets upstream_host to the bare host (pdk/service.lua).
        assert.equal(r!.headers.host, '127.0.0.1');
        assert.equal(r!.headers['x-plugin'], 'set');
        assert.equal(r!.headers['x-multi'], 'one, two');
        assert.equal(r!.headers['x-remove-me'], undefined);
        assert.equal(r!.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
        assert.equal(r!.headers['x-forwarded-port'], String(g.port));
        assert.equal(r!.headers['x-forwarded-path'], '/api/old');
        assert.equal(r!.headers['x-forwarded-prefix'], '/api');
        assert.equal(r!.headers.via, '1.1 kong/3.9.1');
        assert.equal(r!.headers['x-kong-request-id'], res.headers.get('x-kong-request-id'));
        assert.equal(res.headers.get('via'), '1.1 upstream, 1.1 kong/3.9.1');
        assert.equal(res.headers.get('x-plugin-response'), 'yes');
      });
    } finally {
      await target.close();
      await service.close();
    }
  },
);

test('unknown route 404 and upstream failures 502/504 in Kong error bodies', { skip: NO_NGINX }, async () => {
  const dead = await startUpstream();
  const deadUrl = dead.url;
  await dead.close();
  await withNginx('noop', simpleYml('noop', deadUrl, { route: {} }), async (g) => {
    const miss = await fetch(`${g.url}/nope`);
    assert.equal(miss.status, 404);
    assert.equal(((await miss.json()) as { message: string }).message, 'no Route matched with those values');
    const bad = await fetch(`${g.url}/api`, { headers: { Accept: 'application/json' } });
    assert.equal(bad.status, 502);
    assert.equal(((await bad.json()) as { message: string }).message, 'An invalid response was received from the upstream server');
  });
  const slow = await startUpstream((_req, res) => setTimeout(() => res.end('late'), 1500));
  try {
    const yml = {
      _format_version: '3.0',
      services: [{ name: 'svc', url: slow.url, read_timeout: 300, routes: [{ name: 'r', paths: ['/api'] }] }],
      plugins: [{ name: 'noop' }],
    };
    await withNginx('noop', yml, async (g) => {
      const res = await fetch(`${g.url}/api`, { headers: { Accept: 'text/plain' } });
      assert.equal(res.status, 504);
      assert.match(await res.text(), /^The upstream server is timing out\nrequest_id: [0-9a-f]{32}\n$/);
    });
  } finally {
    await slow.close();
  }
});

async function arrivals(url: string): Promise<number[]> {
  const times: number[] = [];
  const t0 = Date.now();
  await new Promise<void>((resolve, reject) => {
    http
      .get(url, (res) => {
        res.on('data', () => times.push(Date.now() - t0));
        res.on('end', resolve);
      })
      .on('error', reject);
  });
  return times;
}

test('response_buffering false streams chunk by chunk with the upstream timing', { skip: NO_NGINX }, async () => {
  const gapMs = 150;
  const up = await startUpstream(async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    for (let i = 0; i < 4; i++) {
      res.write(`data: ${i}\n\n`);
      await new Promise((r) => setTimeout(r, gapMs));
    }
    res.end('data: [DONE]\n\n');
  });
  try {
    await withNginx('noop', simpleYml('noop', up.url, { route: { response_buffering: false } }), async (g) => {
      const times = await arrivals(`${g.url}/api`);
      assert.ok(times.length >= 5, `expected separate chunks, got ${times.length}`);
      for (let i = 1; i < 4; i++) assert.ok(times[i]! - times[i - 1]! >= gapMs - 40, `chunk ${i} came ${times[i]! - times[i - 1]!} ms after the previous`);
      assert.ok(times[0]! < gapMs, 'the first chunk is not held back');
    });
  } finally {
    await up.close();
  }
});

test('a response handler makes Kong buffer the upstream response (even unbuffered routes) and run the response phase', { skip: NO_NGINX }, async () => {
  const up = await startUpstream((_req, res) => res.end('twelve bytes'));
  try {
    await withNginx('response-phase', simpleYml('response-phase', up.url, { route: { response_buffering: false } }), async (g) => {
      const res = await fetch(`${g.url}/api`);
      assert.equal(await res.text(), 'twelve bytes');
      assert.equal(res.headers.get('x-upstream-status'), '200');
      assert.equal(res.headers.get('x-upstream-body-length'), '12');
      assert.deepEqual((await g.nextRequestStats()).phases, ['response']);
    });
  } finally {
    await up.close();
  }
});
