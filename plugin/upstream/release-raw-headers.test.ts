import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Dispatcher } from 'undici';
import { releaseRawHeaders } from './release-raw-headers';
import { Agent, request, UNDICI_PACKAGE } from './undici-parts';

const held: ServerResponse[] = [];
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_1', 'openai-processing-ms': '12' });
  res.write('data: {"first":true}\n\n');
  held.push(res);
});
let origin = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  for (const res of held) res.end();
  server.close();
});

/** Composed first, its handler is the first the request calls: what the controller still holds once every handler after it has started the response. */
function capture(seen: { rawHeaders?: unknown }): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) =>
    dispatch(options, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onResponseStart: (c, status, headers, message) => {
        handler.onResponseStart?.(c, status, headers, message);
        seen.rawHeaders = c.rawHeaders;
      },
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
      onResponseError: (c, err) => handler.onResponseError?.(c, err),
    });
}

async function openStream(interceptors: Dispatcher.DispatcherComposeInterceptor[]) {
  const seen: { rawHeaders?: unknown } = {};
  const agent = new Agent();
  const res = await request(`${origin}/v1/chat/completions`, { method: 'POST', body: '{}', dispatcher: agent.compose(capture(seen), ...interceptors) });
  const first = (await res.body[Symbol.asyncIterator]().next()) as IteratorResult<Buffer>;
  return { seen, res, first: String(first.value), close: () => agent.destroy() };
}

test('an open response keeps no raw header Buffers; its parsed headers and body are whole', async () => {
  const stream = await openStream([releaseRawHeaders]);
  try {
    assert.equal(stream.seen.rawHeaders, null);
    assert.equal(stream.res.headers['x-request-id'], 'req_1');
    assert.equal(stream.res.headers['openai-processing-ms'], '12');
    assert.match(stream.first, /first/);
  } finally {
    await stream.close();
  }
});

test(`without it, undici ${UNDICI_PACKAGE === 'undici-h2' ? 8 : 7} keeps them while the response is open`, async () => {
  const stream = await openStream([]);
  try {
    assert.ok(Array.isArray(stream.seen.rawHeaders));
    assert.ok((stream.seen.rawHeaders as unknown[]).some((b) => String(b) === 'x-request-id'));
  } finally {
    await stream.close();
  }
});
