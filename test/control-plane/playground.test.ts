// The console's playground route against a stand-in gateway on loopback:
// what it sends, what streams back, and how each gateway failure reads.
// (The browser suite, test/console/, drives it through the real gateway.)
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startHarness, type Harness } from './harness';

interface Seen {
  path?: string;
  body?: Record<string, unknown>;
  closed?: boolean;
}

type Answer = (res: http.ServerResponse, seen: Seen) => void;

describe('POST /api/v1/playground/chat', () => {
  let h: Harness;
  let gateway: http.Server;
  let gatewayUrl: string;
  let answer: Answer;
  let seen: Seen;

  before(async () => {
    gateway = http.createServer((req, res) => {
      let text = '';
      req.on('data', (d) => (text += d));
      req.on('end', () => {
        seen.path = req.url;
        seen.body = JSON.parse(text) as Record<string, unknown>;
        res.on('close', () => (seen.closed = !res.writableFinished));
        answer(res, seen);
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    h = await startHarness({ config: { playground: { gatewayUrl } } });
  });

  after(async () => {
    await h?.close();
    gateway?.closeAllConnections();
    await new Promise((resolve) => gateway?.close(resolve));
  });

  beforeEach(() => {
    seen = {};
    h.config.playground = { gatewayUrl };
  });

  const chat = { endpoint: 'chat', messages: [{ role: 'user', content: 'hi' }], maxTokens: 50 };

  it('sends a streamed chat as the admin and streams the answer back with the gateway headers', async () => {
    answer = (res) => {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'x-request-id': 'trace-123',
        'x-gateway-provider': 'openai',
        'x-gateway-attempts': '2',
        'x-gateway-overhead-ms': '1.25',
        'x-gateway-internal': 'not forwarded',
      });
      res.write('data: {"choices":[{"delta":{"content":"he"}}]}\n\n');
      setTimeout(() => res.end('data: {"choices":[{"delta":{"content":"llo"}}]}\n\ndata: [DONE]\n\n'), 50);
    };
    const res = await h.as('admin').post('/api/v1/playground/chat').send(chat).buffer(true);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type']!, /^text\/event-stream/);
    assert.equal(res.headers['x-gateway-trace-id'], 'trace-123');
    assert.equal(res.headers['x-gateway-provider'], 'openai');
    assert.equal(res.headers['x-gateway-attempts'], '2');
    assert.equal(res.headers['x-gateway-internal'], undefined);
    assert.notEqual(res.headers['x-request-id'], 'trace-123', 'the control plane keeps its own request id');
    assert.equal(res.text, 'data: {"choices":[{"delta":{"content":"he"}}]}\n\ndata: {"choices":[{"delta":{"content":"llo"}}]}\n\ndata: [DONE]\n\n');

    assert.equal(seen.path, '/gateway/openai/v1/chat/completions');
    assert.deepEqual(seen.body, {
      model: 'chat',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
      user: 'admin-user',
      max_tokens: 50,
    });
  });

  it("turns the gateway's OpenAI error into this API's error shape, keeping status and headers", async () => {
    answer = (res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30', 'x-request-id': 'trace-429' });
      res.end(JSON.stringify({ error: { message: 'Budget chat-daily is exhausted', type: 'rate_limit_error', param: null, code: 'budget_exceeded' } }));
    };
    const res = await h.as('admin').post('/api/v1/playground/chat').send(chat);
    assert.equal(res.status, 429);
    assert.equal(res.body.error.code, 'budget_exceeded');
    assert.equal(res.body.error.message, 'Budget chat-daily is exhausted');
    assert.equal(res.headers['retry-after'], '30');
    assert.equal(res.headers['x-gateway-trace-id'], 'trace-429');
  });

  it('answers 502 for a gateway 401, so the console does not read it as its own token being refused', async () => {
    answer = (res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'No API key found in request' }));
    };
    const res = await h.as('admin').post('/api/v1/playground/chat').send(chat);
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'gateway_refused');
    assert.match(res.body.error.message, /401/);
  });

  it('answers 502 gateway_unreachable when nothing listens at the gateway URL', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    h.config.playground = { gatewayUrl: `http://127.0.0.1:${port}` };
    const res = await h.as('admin').post('/api/v1/playground/chat').send(chat);
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'gateway_unreachable');
    assert.match(res.body.error.message, /PLAYGROUND_GATEWAY_URL/);
  });

  it('answers 404 playground_disabled when no gateway is configured', async () => {
    h.config.playground = undefined;
    const res = await h.as('admin').post('/api/v1/playground/chat').send(chat);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'playground_disabled');
  });

  it('refuses viewers and invalid chats before calling the gateway', async () => {
    answer = () => assert.fail('the gateway must not be called');
    const viewer = await h.as('viewer').post('/api/v1/playground/chat').send(chat);
    assert.equal(viewer.status, 403);
    const empty = await h.as('admin').post('/api/v1/playground/chat').send({ endpoint: 'chat', messages: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.details[0].field, 'body.messages');
    assert.equal(seen.path, undefined);
  });

  it('abandons the gateway call when the browser goes away mid-stream', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"slow"}}]}\n\n');
      // Never ends on its own.
    };
    const controller = new AbortController();
    const res = await fetch(`${h.cp.url}/api/v1/playground/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token('admin')}`, 'content-type': 'application/json' },
      body: JSON.stringify(chat),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 5000;
    while (seen.closed === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.closed, true, 'the gateway connection was closed before the answer finished');
  });
});
