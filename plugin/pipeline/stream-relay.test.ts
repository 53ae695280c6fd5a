// What a committed stream keeps of its request: nothing of the parsed
// request itself (an agent's turn is tens of KiB held for the stream's
// minutes), yet its end still estimates usage and captures payloads exactly
// as from the request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Destination, Endpoint } from '../contract';
import type { ChatSink } from '../ingress/contract';
import type { ChatRequest, Usage } from '../openai/types';
import { providers } from '../providers';
import { createRedactor } from '../security/redact-secrets';
import { estimateUsage } from '../tokens/count';
import type { Call } from './call-kind';
import { StreamRelay } from './stream-relay';
import { capPayload, TraceRecorder } from './trace-recorder';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

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

const frame = (delta: object, finish: string | null = null) =>
  Buffer.from(
    `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
  );

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

function relayOf(request: ChatRequest, logPayloads: boolean) {
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
    open: () => undefined,
    chunk: () => undefined,
    streamError: () => undefined,
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
    signal: new AbortController().signal,
    redact: createRedactor([]),
  };
  const provider = providers.openai!;
  const ctx = { id: 'chatcmpl-1', created: 1, model: 'gpt-4o', newId: () => 'call_1' };
  const relay = new StreamRelay({ call, destination, provider, ctx, attempt: trace.beginAttempt(destination), headers: () => ({}) });
  return { relay, trace, usage: () => closedWith };
}

async function collected(ref: WeakRef<object>): Promise<boolean> {
  // A WeakRef keeps its target alive until the end of the job that created or read it: collect in a job of its own.
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 5; i++) {
    await tick();
    gc();
    await tick();
    if (ref.deref() === undefined) return true;
  }
  return false;
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
        return { done: relay.relay(stream.body), trace, usage };
      };
      const { done, trace, usage } = start();
      assert.equal(await collected(ref!), true, 'the parsed request is still held by the open stream');
      stream.resume();
      assert.deepEqual(await done, { answered: true, status: 200 });
      assert.deepEqual(usage(), estimateUsage(copy, 'On its way.'));
      assert.equal(trace.request, logPayloads ? capPayload(JSON.stringify(copy)) : undefined);
      assert.equal(trace.response, logPayloads ? 'On its way.' : undefined);
    });
  }
});
