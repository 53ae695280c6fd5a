// What a provider call does with the request body: the provider gets it
// whole, with its length and without chunked framing, and the gateway does
// not hold on to it while the answer streams (an agent's turn is tens of KiB,
// and a stream stays open for minutes).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
process.env.LLM_GATEWAY_OUTBOUND_ALLOW = 'loopback';

describe('the request body of a provider call', () => {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  let answerNow: () => void = () => undefined;
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (p: Buffer) => parts.push(p));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(parts).toString() });
      // The answer starts and then stays open, like a stream waiting for the model.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
      answerNow = () => res.end('data: [DONE]\n\n');
    });
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  });
  after(() => server.close());

  it('reaches the provider whole, with its length, not chunked', async () => {
    const { callUpstream } = await import('./call');
    const text = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'é'.repeat(5000) }] });
    const called = await callUpstream({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: text }, 5000, new AbortController().signal);
    assert.ok(called.ok);
    answerNow();
    await called.response.body.text();
    const got = received.at(-1)!;
    assert.equal(got.body, text);
    assert.equal(got.headers['content-length'], String(Buffer.byteLength(text)));
    assert.equal(got.headers['transfer-encoding'], undefined);
  });

  it('an empty body goes out as content-length 0', async () => {
    const { callUpstream } = await import('./call');
    const called = await callUpstream({ url, method: 'POST', headers: {}, body: '' }, 5000, new AbortController().signal);
    assert.ok(called.ok);
    answerNow();
    await called.response.body.text();
    assert.equal(received.at(-1)!.headers['content-length'], '0');
    assert.equal(received.at(-1)!.body, '');
  });

  it('is let go once sent, while the answer is still open', async () => {
    const { callUpstream } = await import('./call');
    const size = 256 * 1024;
    let held: WeakRef<ArrayBuffer> | undefined;
    const call = async () => {
      const bytes = new Uint8Array(size).fill(0x61);
      held = new WeakRef(bytes.buffer);
      return callUpstream({ url, method: 'POST', headers: { 'content-type': 'text/plain' }, body: bytes }, 5000, new AbortController().signal);
    };
    const called = await call();
    assert.ok(called.ok);
    assert.equal(received.at(-1)!.body.length, size);
    // A WeakRef keeps its target alive until the end of the job that created or read it: collect in a job of its own.
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    let released = false;
    for (let i = 0; i < 5 && !released; i++) {
      await tick();
      gc();
      await tick();
      released = held!.deref() === undefined;
    }
    assert.ok(released, 'the body is still reachable while the answer streams');
    answerNow();
    await called.response.body.text();
  });
});
