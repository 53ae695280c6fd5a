// What a committed Responses API stream keeps of its request: nothing of the
// parsed request (its input items, their chat form, its tools), as for a
// Chat Completions stream (stream-relay.test.ts), yet its end still echoes
// the request, estimates usage, stores the conversation and captures
// payloads exactly as from the request. Through the real call slot, sink and
// provider call, against a provider on loopback that holds its stream open.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chatChunkFrame as frame, collected } from '../../../test/helpers/held-objects';
import type { Destination, Endpoint } from '../../contract';
import { MemoryConversationStore } from '../../conversations/conversation-store';
import { responsesIngress } from '../../ingress/responses/responses-ingress';
import { responseKey, type ResponsesCall, type StoredResponse } from '../../ingress/responses/stored-response';
import type { ResponseObject } from '../../ingress/responses/types';
import { providers } from '../../providers';
import { createRedactor } from '../../security/redact-secrets';
import { estimateUsage } from '../../tokens/count';
import { capPayload, TraceRecorder } from '../trace-recorder';

process.env.LLM_GATEWAY_OUTBOUND_ALLOW = 'loopback';

/** An agent's turn as the OpenAI Agents SDK sends it: instructions, history as input items, tools; well past the size that is packed. */
function agentTurn(store: boolean | undefined): unknown {
  const input: unknown[] = [];
  for (let i = 0; i < 6; i++) {
    input.push({ role: 'user', content: `question ${i}: where is order ${i}?` });
    input.push({ type: 'function_call', call_id: `call_${i}`, name: 'search_orders', arguments: JSON.stringify({ id: `ord-${i}` }) });
    const items = Array.from({ length: 20 }, (_, k) => ({ sku: `sku-${i}-${k}` }));
    input.push({ type: 'function_call_output', call_id: `call_${i}`, output: JSON.stringify({ id: `ord-${i}`, items }) });
  }
  const tools = ['search_orders', 'refund_payment'].map((name) => ({
    type: 'function',
    name,
    description: `${name}: `.repeat(20),
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  }));
  return { model: 'agent', instructions: 'You help with orders. '.repeat(40), input, tools, stream: true, ...(store === undefined ? {} : { store }) };
}

describe('a committed Responses stream and its request', () => {
  // The provider: the first content, then the rest once the test resumes it (no usage: the gateway estimates).
  let resume: () => void = () => undefined;
  const provider = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame({ role: 'assistant', content: 'On its ' }));
      resume = () => res.end(frame({ content: 'way.' }, 'stop') + 'data: [DONE]\n\n');
    });
  });
  // The gateway side: each request runs as run-request.ts runs an admitted one, from its raw body.
  let handle: (res: http.ServerResponse) => void = () => undefined;
  const gateway = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handle(res));
  });
  const port = (s: http.Server) => (s.address() as AddressInfo).port;
  before(async () => {
    await Promise.all([provider, gateway].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  });
  after(() => {
    provider.close();
    gateway.close();
  });

  for (const { store, logPayloads } of [
    { store: undefined, logPayloads: false },
    { store: false, logPayloads: true },
  ]) {
    it(`lets go of the parsed request while it runs, and ends as the request says (store ${String(store ?? 'default')}, payloads ${logPayloads ? 'logged' : 'not logged'})`, async () => {
      const { responsesKind } = await import('./responses');
      const { openCall } = await import('../run-request');
      const destination: Destination = {
        id: 'd',
        provider: 'openai',
        model: 'gpt-4o',
        credentials: { apiKey: 'sk-test' },
        options: { baseUrl: `http://127.0.0.1:${port(provider)}/v1` },
        weight: 1,
        timeoutMs: 5000,
      };
      const endpoint = { id: 'e', name: 'agent', kind: 'chat', version: 1, destinations: [destination], logPayloads } as unknown as Endpoint;
      const conversations = new MemoryConversationStore();
      const trace = new TraceRecorder({
        id: 't1',
        endpoint: 'agent',
        kind: 'chat',
        user: 'u',
        ingress: 'responses',
        stream: true,
        startedAt: performance.now(),
      });
      const copy = parsed(agentTurn(store));

      const refs: Array<WeakRef<object>> = [];
      let attempted: Promise<unknown> = Promise.resolve();
      handle = (res) => {
        // In a function of its own: no frame of the test holds the request.
        const request = parsed(agentTurn(store));
        refs.push(new WeakRef(request), new WeakRef(request.chat.messages.at(-1)!), new WeakRef(request.responses.tools!));
        const sink = responsesIngress.sink(res, request, { endpoint, user: 'u', requestId: trace.start.id, conversations });
        const call = openCall(res, { endpoint, request, sink, trace, redact: createRedactor([]) });
        attempted = responsesKind.attempt(call, destination, providers.openai!, trace.beginAttempt(destination));
      };
      const answer = await openStream(`http://127.0.0.1:${port(gateway)}/`);
      assert.equal(await collected(refs), true, 'the parsed request (or its messages, or its tools) is still held by the open stream');
      resume();
      const text = await answer.rest;
      assert.deepEqual(await attempted, { answered: true, status: 200 });

      const completed = eventsOf(text).find((e) => e.type === 'response.completed')!.response as ResponseObject;
      const usage = estimateUsage(copy.chat, 'On its way.');
      assert.equal(completed.output_text, 'On its way.');
      assert.deepEqual(completed.usage, {
        input_tokens: usage.prompt_tokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: usage.completion_tokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.total_tokens,
      });
      assert.deepEqual(completed.tools, copy.responses.tools, 'the response echoes the request');
      assert.equal(completed.instructions, copy.responses.instructions);

      const stored = await conversations.get<StoredResponse>(responseKey(completed.id));
      if (store === false) assert.equal(stored, undefined);
      else assert.deepEqual(stored?.value, { response: completed, messages: [...copy.chat.messages.slice(1), { role: 'assistant', content: 'On its way.' }] });
      assert.equal(trace.request, logPayloads ? capPayload(JSON.stringify(copy.chat)) : undefined);
      assert.equal(trace.response, logPayloads ? 'On its way.' : undefined);
    });
  }
});

function parsed(body: unknown): ResponsesCall {
  const p = responsesIngress.parse(body);
  assert.ok(p.ok);
  return p.value;
}

/** Resolves once the stream's first content arrived; `rest` with the whole text once it ends. */
function openStream(url: string): Promise<{ rest: Promise<string> }> {
  return new Promise((resolve, reject) => {
    http
      .request(url, { method: 'POST' }, (res) => {
        let text = '';
        let first = true;
        const rest = new Promise<string>((done) => res.on('end', () => done(text)));
        res.setEncoding('utf8');
        res.on('data', (piece: string) => {
          text += piece;
          if (first && text.includes('response.output_text.delta')) {
            first = false;
            resolve({ rest });
          }
        });
      })
      .on('error', reject)
      .end();
  });
}

function eventsOf(text: string): Array<{ type: string; response?: unknown }> {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => !!line)
    .map((line) => JSON.parse(line.slice(6)) as { type: string; response?: unknown });
}
