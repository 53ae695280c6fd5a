// A provider over TLS, as every hosted provider is, through the whole gateway
// (real nginx stand-in, real plugin server): the plugin server trusts the
// provider's CA by NODE_EXTRA_CA_CERTS, as an operator's private CA would be,
// and speaks HTTP/2 to it where its Node loads undici 8 (22.19 and later),
// HTTP/1.1 otherwise. npm test runs this file on Node 24 as well.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HTTP2_CAPABLE } from '../../plugin/upstream/undici-parts';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { selfSignedTls } from '../helpers/self-signed-tls';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

// The plugin server runs on this process's Node (the stand-ins start it with process.execPath).
const expectedVersion = HTTP2_CAPABLE ? '2.0' : '1.1';
let stack: Stack;
let fake: FakeProvider;

before(async () => {
  const tls = selfSignedTls();
  [stack, fake] = await Promise.all([
    startStack({ pluginEnv: { NODE_EXTRA_CA_CERTS: tls.certFile } }),
    startFakeOpenAI({ apiKey: 'sk-tls', tls: { key: tls.key, cert: tls.cert } }),
  ]);
  await createSecret(stack, 'tls-key', 'openai', { apiKey: 'sk-tls' });
  await putEndpoint(stack, {
    name: 'over-tls',
    kind: 'chat',
    destinations: [{ id: 'oai', provider: 'openai', model: 'gpt-4o-mini', secret: 'tls-key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  });
  await waitFor('the endpoint served', async () => ((await chat(false)).status === 200 ? true : undefined), 15_000);
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

function chat(stream: boolean, content = 'hi') {
  return fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer dummy' },
    body: JSON.stringify({ model: 'over-tls', messages: [{ role: 'user', content }], stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }),
  });
}

test(`a chat completion reaches the provider over TLS (HTTP/${HTTP2_CAPABLE ? '2' : '1.1'}), with the provider's key and not the client's`, async () => {
  const from = fake.requests.length;
  const res = await chat(false, 'x'.repeat(50_000));
  assert.equal(res.status, 200);
  const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
  assert.ok(body.choices[0]!.message.content.length > 0);
  const seen = fake.requests.slice(from);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.httpVersion, expectedVersion);
  assert.equal(seen[0]!.headers.authorization, 'Bearer sk-tls');
  assert.equal((JSON.parse(seen[0]!.body) as { messages: Array<{ content: string }> }).messages[0]!.content.length, 50_000);
});

test('streams open side by side and a POST between them: each answered whole, each on the same protocol', async () => {
  const from = fake.requests.length;
  const streams = await Promise.all(Array.from({ length: 6 }, () => chat(true)));
  const plain = chat(false);
  const texts = await Promise.all(streams.map((s) => s.text()));
  assert.equal((await plain).status, 200);
  for (const [i, text] of texts.entries()) {
    assert.equal(streams[i]!.status, 200);
    assert.match(text, /"usage":\{/, `stream ${i} carried its usage`);
    assert.match(text, /data: \[DONE\]\n\n$/, `stream ${i} ended`);
  }
  const seen = fake.requests.slice(from);
  assert.equal(seen.length, 7);
  assert.deepEqual(new Set(seen.map((r) => r.httpVersion)), new Set([expectedVersion]));
});

test('the connection to the provider cut under open streams: each client is told in its stream, none gets an answer that looks whole', async () => {
  // Five frames 300 ms apart: the role, three pieces of content, the finish.
  const text = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  fake.enqueue({ kind: 'ok', text, chunkGapMs: 300 }, { kind: 'ok', text, chunkGapMs: 300 });
  const streams = await Promise.all([chat(true), chat(true)]);
  const readers = streams.map(async (s) => {
    assert.equal(s.status, 200);
    let read = '';
    const decoder = new TextDecoder();
    for await (const chunk of s.body!) read += decoder.decode(chunk, { stream: true });
    return read;
  });
  await new Promise((r) => setTimeout(r, 700));
  fake.dropConnections();
  for (const read of await Promise.all(readers)) {
    assert.match(read, /word0/, 'the stream had begun');
    assert.doesNotMatch(read, /"finish_reason":"stop"/, 'it was cut before its end');
    assert.match(read, /data: \{"error":\{"message":"the connection to openai broke mid-stream[^"]*","type":"upstream_error"/);
  }
  // And the next request dials anew.
  assert.equal((await chat(false)).status, 200);
});

test('a client that goes away mid-stream: the provider stream is let go at once, the other stream goes on, and the trace says 499', async () => {
  const text = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  fake.enqueue({ kind: 'ok', text, chunkGapMs: 600 }, { kind: 'ok', text, chunkGapMs: 600 });
  const from = fake.requests.length;
  const leaving = new AbortController();
  const [left, stays] = await Promise.all([
    fetch(`${stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer dummy' },
      body: JSON.stringify({ model: 'over-tls', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      signal: leaving.signal,
    }),
    chat(true),
  ]);
  assert.equal(left.status, 200);
  const traceId = left.headers.get('x-request-id')!;
  await left.body!.getReader().read();
  leaving.abort();
  // Five frames 600 ms apart: had nobody let go, the provider would have sent for another two seconds and more.
  const abandoned = await waitFor(
    'the provider to see one stream let go',
    async () => {
      const seen = fake.requests.slice(from);
      return seen.length === 2 && seen.some((r) => r.abandoned) ? seen : undefined;
    },
    2_000,
    20,
  );
  assert.equal(abandoned.filter((r) => r.abandoned).length, 1, 'only the stream whose client left');
  assert.match(await stays.text(), /data: \[DONE\]\n\n$/, 'the other stream ended whole');
  const trace = await waitFor(
    'the trace of the stream let go',
    async () => {
      const res = await stack.api<{ status: number; errorCode?: string }>('GET', `/api/v1/traces/${traceId}`);
      return res.status === 200 ? res.body : undefined;
    },
    10_000,
  );
  assert.equal(trace.status, 499);
  assert.equal(trace.errorCode, 'client_closed_request');
});
