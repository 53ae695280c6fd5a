// Routing and proxying: kong.yml matching, what the plugin's rewrites do to
// the upstream request, Kong's added headers, streaming, disconnects, errors.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { simpleYml, startUpstream, withDriver } from './test-helpers';

test('routes match by longest prefix; strip_path and service path join like Kong (path_handling v0)', async () => {
  const up = await startUpstream();
  try {
    const yml = {
      _format_version: '3.0',
      services: [
        {
          name: 'a',
          url: `${up.url}/base`,
          routes: [
            { name: 'short', paths: ['/v1'] },
            { name: 'long', paths: ['/v1/chat'], strip_path: false },
          ],
        },
        { name: 'b', url: `${up.url}/`, routes: [{ name: 'root', paths: ['/other'] }] },
      ],
      plugins: [{ name: 'noop' }],
    };
    await withDriver('noop', yml, async (d) => {
      await (await fetch(`${d.url}/v1/models?x=1`)).text();
      await (await fetch(`${d.url}/v1/chat/completions`)).text();
      await (await fetch(`${d.url}/other/thing`)).text();
      await (await fetch(`${d.url}/v1`)).text();
      assert.deepEqual(
        up.requests.map((r) => r.url),
        ['/base/models?x=1', '/base/v1/chat/completions', '/thing', '/base'],
      );
      const miss = await fetch(`${d.url}/nope`);
      assert.equal(miss.status, 404);
      assert.equal(((await miss.json()) as { message: string }).message, 'no Route matched with those values');
    });
  } finally {
    await up.close();
  }
});

test('set_target, set_path, headers, query, method and body reach the upstream; Kong adds its headers', async () => {
  const target = await startUpstream((_req, res) => {
    res.setHeader('Content-Type', 'text/plain');
    res.setHeader('Via', '1.1 upstream');
    res.end('from target');
  });
  const service = await startUpstream();
  try {
    const config = { target_host: '127.0.0.1', target_port: target.port, path: '/v9/new', query: 'k=v', method: 'PUT', body: 'new body' };
    await withDriver('rewrite-upstream', simpleYml('rewrite-upstream', service.url, { config }), async (d) => {
      const res = await fetch(`${d.url}/api/old?q=1`, {
        method: 'POST',
        body: 'old body',
        headers: { 'X-Remove-Me': '1', 'X-Forwarded-For': '10.0.0.1', 'X-Plugin': 'client' },
      });
      assert.equal(await res.text(), 'from target');
      assert.equal(service.requests.length, 0);
      const [r] = target.requests;
      assert.equal(r!.method, 'PUT');
      assert.equal(r!.url, '/v9/new?k=v');
      assert.equal(r!.body.toString(), 'new body');
      assert.equal(r!.headers['content-length'], '8');
      assert.equal(r!.headers.host, `127.0.0.1:${target.port}`);
      assert.equal(r!.headers['x-plugin'], 'set');
      assert.equal(r!.headers['x-multi'], 'one, two');
      assert.equal(r!.headers['x-remove-me'], undefined);
      assert.equal(r!.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
      assert.equal(r!.headers['x-forwarded-proto'], 'http');
      assert.equal(r!.headers['x-forwarded-host'], '127.0.0.1');
      assert.equal(r!.headers['x-forwarded-port'], String(d.port));
      assert.equal(r!.headers['x-forwarded-path'], '/api/old');
      assert.equal(r!.headers['x-forwarded-prefix'], '/api');
      assert.equal(r!.headers['x-real-ip'], '127.0.0.1');
      assert.equal(r!.headers.via, '1.1 kong/3.9.1');
      assert.match(String(r!.headers['x-kong-request-id']), /^[0-9a-f]{32}$/);
      assert.equal(res.headers.get('via'), '1.1 upstream, 1.1 kong/3.9.1');
      assert.equal(res.headers.get('x-plugin-response'), 'yes');
      assert.match(res.headers.get('x-kong-upstream-latency') ?? '', /^\d+$/);
      assert.match(res.headers.get('x-kong-proxy-latency') ?? '', /^\d+$/);
      assert.equal(res.headers.get('x-kong-request-id'), r!.headers['x-kong-request-id']);
      const s = await d.nextRequestStats();
      assert.equal(s.pdkCalls['kong.service.set_target'], 1);
      assert.ok(s.driverMs >= 0 && s.driverMs <= s.totalMs);
    });
    // A plugin-set Host header wins over the target (Kong sets upstream_host).
    await withDriver('rewrite-upstream', simpleYml('rewrite-upstream', target.url, { config: { host_header: 'api.example' } }), async (d) => {
      await (await fetch(`${d.url}/api`)).text();
      assert.equal(target.requests.at(-1)!.headers.host, 'api.example');
    });
  } finally {
    await target.close();
    await service.close();
  }
});

test('response_buffering false streams chunk by chunk with the upstream timing', async () => {
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
    const arrivals = async (d: { url: string }) => {
      const times: number[] = [];
      const t0 = Date.now();
      await new Promise<void>((resolve, reject) => {
        http
          .get(`${d.url}/api`, (res) => {
            res.on('data', () => times.push(Date.now() - t0));
            res.on('end', resolve);
          })
          .on('error', reject);
      });
      return times;
    };
    await withDriver('noop', simpleYml('noop', up.url, { route: { response_buffering: false } }), async (d) => {
      const times = await arrivals(d);
      assert.ok(times.length >= 5, `expected separate chunks, got ${times.length}`);
      for (let i = 1; i < 4; i++) assert.ok(times[i]! - times[i - 1]! >= gapMs - 40, `chunk ${i} came ${times[i]! - times[i - 1]!} ms after the previous`);
      assert.ok(times[0]! < gapMs, 'the first chunk is not held back');
    });
    // With buffering on, the driver holds the body: a test with this shape must be able to fail.
    await withDriver('noop', simpleYml('noop', up.url), async (d) => {
      const times = await arrivals(d);
      assert.equal(times.length, 1);
    });
  } finally {
    await up.close();
  }
});

test('a client disconnect aborts the upstream request', async () => {
  let upstreamClosed: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write('data: first\n\n');
    const timer = setInterval(() => res.write('data: more\n\n'), 50);
    res.on('close', () => {
      clearInterval(timer);
      upstreamClosed();
    });
  });
  try {
    await withDriver('noop', simpleYml('noop', up.url, { route: { response_buffering: false } }), async (d) => {
      await new Promise<void>((resolve) => {
        const req = http.get(`${d.url}/api`, (res) => res.once('data', () => (req.destroy(), resolve())));
      });
      await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('upstream still open')), 2000))]);
    });
  } finally {
    await up.close();
  }
});

test('upstream failures: refused -> 502, read timeout -> 504, Kong error bodies', async () => {
  const dead = await startUpstream();
  const deadUrl = dead.url;
  await dead.close();
  await withDriver('noop', simpleYml('noop', deadUrl), async (d) => {
    const json = await fetch(`${d.url}/api`, { headers: { Accept: 'application/json' } });
    assert.equal(json.status, 502);
    const body = (await json.json()) as { message: string; request_id: string };
    assert.equal(body.message, 'An invalid response was received from the upstream server');
    assert.equal(body.request_id, json.headers.get('x-kong-request-id'));
    // No Accept (nor Content-Type) header: error_default_type, text/plain.
    const plain = await new Promise<{ status: number; text: string }>((resolve) => {
      http.get(`${d.url}/api`, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
    });
    assert.equal(plain.status, 502);
    assert.match(plain.text, /^An invalid response was received from the upstream server\nrequest_id: [0-9a-f]{32}\n$/);
  });
  const slow = await startUpstream((_req, res) => setTimeout(() => res.end('late'), 1000));
  try {
    const yml = {
      _format_version: '3.0',
      services: [{ name: 'svc', url: slow.url, read_timeout: 200, routes: [{ name: 'r', paths: ['/api'] }] }],
      plugins: [{ name: 'noop' }],
    };
    await withDriver('noop', yml, async (d) => {
      const res = await fetch(`${d.url}/api`, { method: 'POST', body: 'x', headers: { Accept: 'application/json' } });
      assert.equal(res.status, 504);
      assert.equal(((await res.json()) as { message: string }).message, 'The upstream server is timing out');
    });
  } finally {
    await slow.close();
  }
});

test('a response handler makes Kong buffer the upstream response and run the response phase', async () => {
  const up = await startUpstream((_req, res) => res.end('twelve bytes'));
  try {
    await withDriver('response-phase', simpleYml('response-phase', up.url, { route: { response_buffering: false } }), async (d) => {
      const res = await fetch(`${d.url}/api`);
      assert.equal(await res.text(), 'twelve bytes');
      assert.equal(res.headers.get('x-upstream-status'), '200');
      assert.equal(res.headers.get('x-upstream-body-length'), '12');
      assert.deepEqual((await d.nextRequestStats()).phases, ['response']);
    });
  } finally {
    await up.close();
  }
});
