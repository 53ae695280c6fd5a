// What a committed stream keeps of its request: nothing of the parsed
// request itself (an agent's turn is tens of KiB held for the stream's
// minutes), yet its end still estimates usage and captures payloads exactly
// as from the request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { chatChunkFrame, collected } from '../../test/helpers/held-objects';
import type { Destination, Endpoint } from '../contract';
import type { ChatSink } from '../ingress/contract';
import type { ChatRequest, Usage } from '../openai/types';
import { providers } from '../providers';
import { createRedactor } from '../security/redact-secrets';
import { estimateUsage } from '../tokens/count';
import { request } from '../upstream/undici-parts';
import type { Call } from './call-kind';
import { StreamRelay } from './stream-relay';
import { capPayload, TraceRecorder } from './trace-recorder';

const destination: Destination = { id: 'd', provider: 'openai', model: 'gpt-4o', credentials: { apiKey: 'sk-test' }, options: {}, weight: 1, timeoutMs: 5000 };

/** An agent's turn: history and tools well past the size at which the relay compresses instead of keeping. */
function agentTurn(): ChatRequest {
  const messages: ChatRequest['messages'] = [{ role: 'system', content: 'You help with orders. '.repeat(40) }];
  for (let i = 0; i < 6; i++) {
    messages.push({ role: 'user', content: `question ${i}: where is order ${i}?` });
    messages.push({
      role: 'tool',
      tool_call_id: `call_${i}`,
      content: JSON.stringify({ id: `ord-${i}`, items: Array.from({ length: 20 }, (_, k) => ({ sku: `sku-${i}-${k}` })) }),
    });
  }
  return { model: 'agent', stream: true, messages };
}

const frame = (delta: object, finish: string | null = null) => Buffer.from(chatChunkFrame(delta, finish));

/** A provider stream the test feeds: the first content, then whatever `rest` gives once `resume` is called. */
function heldStream() {
  let resume: () => void = () => undefined;
  const resumed = new Promise<void>((r) => (resume = r));
  async function* body() {
    yield frame({ role: 'assistant', content: 'On its ' });
    await resumed;
    yield frame({ content: 'way.' }, 'stop');
    yield Buffer.from('data: [DONE]\n\n'); // no usage chunk: the gateway estimates
  }
  return { body: body(), resume };
}

function relayOf(request: ChatRequest, logPayloads: boolean, o: { signal?: AbortSignal; opened?: () => void; streamError?: (body: unknown) => void } = {}) {
  const endpoint = {
    id: 'e',
    name: 'agent',
    kind: 'chat',
    version: 1,
    destinations: [destination],
    fallback: { chain: [], maxAttempts: 1, triggers: [] },
    logPayloads,
  } as Endpoint;
  const trace = new TraceRecorder({ id: 't', endpoint: 'agent', kind: 'chat', user: 'u', ingress: 'openai', stream: true, startedAt: performance.now() });
  let closedWith: Usage | undefined;
  const sink: ChatSink = {
    error: () => undefined,
    completion: () => undefined,
    open: () => o.opened?.(),
    chunk: () => undefined,
    streamError: (body) => o.streamError?.(body),
    close: (u) => void (closedWith = u),
  };
  // The slot run-request.ts gives a call: emptied by releaseRequest.
  let held: ChatRequest | undefined = request;
  const call: Call<ChatRequest, ChatSink> = {
    endpoint,
    get request() {
      if (!held) throw new Error('released');
      return held;
    },
    releaseRequest: () => void (held = undefined),
    sink,
    trace,
    signal: o.signal ?? new AbortController().signal,
    redact: createRedactor([]),
  };
  const provider = providers.openai!;
  const ctx = { id: 'chatcmpl-1', created: 1, model: 'gpt-4o', newId: () => 'call_1' };
  const relay = new StreamRelay({ call, destination, provider, ctx, attempt: trace.beginAttempt(destination), headers: () => ({}) });
  return { relay, trace, usage: () => closedWith };
}

describe('a committed stream and its request', () => {
  for (const logPayloads of [false, true]) {
    it(`lets go of the parsed request while it runs, and ends with the same usage estimate${logPayloads ? ' and payload capture' : ''}`, async () => {
      const copy = agentTurn();
      const stream = heldStream();
      let ref: WeakRef<ChatRequest> | undefined;
      const start = () => {
        const request = agentTurn();
        ref = new WeakRef(request);
        const { relay, trace, usage } = relayOf(request, logPayloads);
        return { done: relay.relay(Readable.from(stream.body)), trace, usage };
      };
      const { done, trace, usage } = start();
      assert.equal(await collected([ref!]), true, 'the parsed request is still held by the open stream');
      stream.resume();
      assert.deepEqual(await done, { answered: true, status: 200 });
      assert.deepEqual(usage(), estimateUsage(copy, 'On its way.'));
      assert.equal(trace.request, logPayloads ? capPayload(JSON.stringify(copy)) : undefined);
      assert.equal(trace.response, logPayloads ? 'On its way.' : undefined);
    });
  }
});

/** A provider on loopback that writes `frames` and holds the stream open; resolves `closed` when its connection closes. */
async function holdingProvider(frames: Buffer[]): Promise<{ server: Server; url: string; closed: Promise<void> }> {
  let closedNow: () => void = () => undefined;
  const closed = new Promise<void>((r) => (closedNow = r));
  const server = createServer((_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const f of frames) res.write(f);
    res.socket!.on('close', closedNow);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, closed };
}

describe('a stream relayed from a provider', () => {
  it("counts the provider's silences as its time, not the gateway's", async () => {
    const stream = heldStream();
    const { relay, trace } = relayOf(agentTurn(), false);
    const started = performance.now();
    const done = relay.relay(Readable.from(stream.body));
    await sleep(80);
    stream.resume();
    assert.deepEqual(await done, { answered: true, status: 200 });
    assert.ok(trace.providerMs >= 75, `provider time ${trace.providerMs} ms`);
    assert.ok(trace.providerMs <= performance.now() - started, 'no more than the whole stream');
  });

  it("ends as 499 when the client goes away mid-stream, and closes the provider's connection", async () => {
    const provider = await holdingProvider([frame({ role: 'assistant', content: 'On its ' })]);
    try {
      const abort = new AbortController();
      const { relay } = relayOf(agentTurn(), false, { signal: abort.signal, opened: () => setImmediate(() => abort.abort()) });
      const res = await request(provider.url, { method: 'POST', body: '{}', signal: abort.signal });
      const outcome = await relay.relay(res.body);
      assert.equal(outcome.answered && outcome.status, 499);
      await provider.closed;
    } finally {
      provider.server.closeAllConnections();
      provider.server.close();
    }
  });

  it('a stream that ends before its answer is whole (no finish, no [DONE]) is told as truncated, never passed off as an answer', async () => {
    // As undici 8 ends one of the streams of an HTTP/2 connection cut under them (plugin/upstream/http2.test.ts).
    async function* cut() {
      yield frame({ role: 'assistant', content: 'On its ' });
    }
    let told: unknown;
    const { relay } = relayOf(agentTurn(), false, { streamError: (body) => (told = body) });
    const outcome = await relay.relay(Readable.from(cut()));
    assert.equal(outcome.answered, true);
    assert.equal(outcome.answered && outcome.status, 502);
    assert.match(JSON.stringify(told), /"code":"stream_truncated"/);
    assert.match(JSON.stringify(told), /openai ended the stream before the answer was complete/);
  });

  it("tells the client of a provider's error after the first content, and closes the provider's connection", async () => {
    const error = Buffer.from(`data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error', code: null } })}\n\n`);
    const provider = await holdingProvider([frame({ role: 'assistant', content: 'On its ' }), error]);
    try {
      let told: unknown;
      const { relay } = relayOf(agentTurn(), false, { streamError: (body) => (told = body) });
      const res = await request(provider.url, { method: 'POST', body: '{}' });
      const outcome = await relay.relay(res.body);
      assert.equal(outcome.answered, true);
      assert.match(JSON.stringify(told), /overloaded/);
      // Not left open until the provider ends it (a provider may keep it open: the stream held its connection).
      await Promise.race([provider.closed, sleep(2_000).then(() => assert.fail("the provider's connection is still open"))]);
    } finally {
      provider.server.closeAllConnections();
      provider.server.close();
    }
  });
});
