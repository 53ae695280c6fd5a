import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../contract';
import type { ChatSink } from '../gateway/sink';
import type { ChatChunk, ChatCompletion, ChatRequest } from '../openai/types';
import { ConversationStateStore, DEFAULT_STATE_OPTIONS } from './conversation-state-store';
import { captureReasoningState, mayNeedReasoningState, restoreReasoningState, stateKey } from './reasoning-state';

/** The control plane's store, shared by the data planes of a test. */
function controlPlane() {
  const kept = new Map<string, unknown>();
  let puts = 0;
  return {
    kept,
    puts: () => puts,
    client: {
      put: async (key: string, value: unknown) => {
        puts++;
        kept.set(key, structuredClone(value));
      },
      get: async (key: string) => structuredClone(kept.get(key)),
    },
  };
}

function recordingSink() {
  const seen: string[] = [];
  const sink: ChatSink = {
    completion: () => seen.push('completion'),
    open: () => seen.push('open'),
    chunk: () => seen.push('chunk'),
    close: () => seen.push('close'),
    streamError: () => seen.push('streamError'),
    error: () => seen.push('error'),
  };
  return { sink, seen };
}

const scope = { endpoint: 'agents', user: 'alice' };
const signed = [{ type: 'thinking' as const, thinking: 'I should look it up.', signature: 'sig-1' }];

function completion(): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'claude',
    choices: [
      {
        index: 0,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: null,
          reasoning_content: 'I should look it up.',
          thinking_blocks: signed,
          tool_calls: [
            { id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
            { id: 'toolu_B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
      },
    ],
  };
}

/** The next turn as LiteLLM sends it: the assistant message without thinking_blocks. */
function nextTurn(id = 'toolu_A'): ChatRequest {
  return {
    model: 'agents',
    reasoning_effort: 'low',
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: id, content: 'sunny' },
    ],
  };
}

describe('reasoning state across turns and nodes', () => {
  it('an answer with signed thinking is kept under its tool-call ids before it is sent; the next turn on another node gets it back', async () => {
    const cp = controlPlane();
    const nodeA = new ConversationStateStore(cp.client);
    const nodeB = new ConversationStateStore(cp.client);
    const { sink, seen } = recordingSink();
    const wrapped = captureReasoningState(nodeA, sink, scope);
    wrapped.completion(completion(), {});
    assert.deepEqual(seen, [], 'the answer waits for the write');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['completion']);
    assert.equal(cp.kept.size, 2);
    assert.deepEqual(cp.kept.get(stateKey(scope, 'toolu_B')), { thinking_blocks: signed });

    const restored = await restoreReasoningState(nodeB, nextTurn(), scope);
    assert.deepEqual(restored.messages[1].thinking_blocks, signed);
  });

  it("another user's or endpoint's conversation never sees it", async () => {
    const cp = controlPlane();
    const store = new ConversationStateStore(cp.client);
    captureReasoningState(store, recordingSink().sink, scope).completion(completion(), {});
    await new Promise((r) => setImmediate(r));
    assert.equal((await restoreReasoningState(store, nextTurn(), { ...scope, user: 'mallory' })).messages[1].thinking_blocks, undefined);
    assert.equal((await restoreReasoningState(store, nextTurn(), { ...scope, endpoint: 'other' })).messages[1].thinking_blocks, undefined);
  });

  it('only the current turn is looked up, and state the client kept is left alone', async () => {
    const cp = controlPlane();
    let gets = 0;
    const store = new ConversationStateStore({ ...cp.client, get: async (k) => (gets++, cp.client.get(k)) });
    const req = nextTurn();
    const older: ChatRequest = { ...req, messages: [...req.messages, { role: 'assistant', content: 'It is sunny.' }, { role: 'user', content: 'thanks' }] };
    assert.equal(await restoreReasoningState(store, older, scope), older);
    const kept: ChatRequest = { ...req, messages: req.messages.map((m, i) => (i === 1 ? { ...m, thinking_blocks: signed } : m)) };
    assert.equal(await restoreReasoningState(store, kept, scope), kept);
    assert.equal(gets, 0);
  });

  it('a stream: thinking pieces and provider_state deltas are put back together, kept before the stream closes', async () => {
    const cp = controlPlane();
    const store = new ConversationStateStore(cp.client);
    const { sink, seen } = recordingSink();
    const wrapped = captureReasoningState(store, sink, scope);
    const chunk = (delta: ChatChunk['choices'][number]['delta']): ChatChunk => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta, finish_reason: null }],
    });
    wrapped.open({});
    wrapped.chunk(chunk({ reasoning_content: 'I should ', thinking_blocks: [{ type: 'thinking', thinking: 'I should ' }] }));
    wrapped.chunk(chunk({ reasoning_content: 'look it up.', thinking_blocks: [{ type: 'thinking', thinking: 'look it up.' }] }));
    wrapped.chunk(chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'sig-1' }] }));
    wrapped.chunk(chunk({ tool_calls: [{ index: 0, id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '' } }] }));
    wrapped.chunk(chunk({ provider_state: { gemini: { toolCallSignatures: { toolu_A: 'g1' } } } }));
    wrapped.close({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, { id: 'c', created: 1, model: 'm' });
    assert.deepEqual(seen, ['open', 'chunk', 'chunk', 'chunk', 'chunk', 'chunk'], 'chunks pass at once; the close waits');
    await new Promise((r) => setImmediate(r));
    assert.equal(seen.at(-1), 'close');
    assert.deepEqual(cp.kept.get(stateKey(scope, 'toolu_A')), { thinking_blocks: signed, provider_state: { gemini: { toolCallSignatures: { toolu_A: 'g1' } } } });
  });

  it('answers without reasoning state, or without tool calls, keep nothing', async () => {
    const cp = controlPlane();
    const store = new ConversationStateStore(cp.client);
    const plain = completion();
    delete plain.choices[0].message.thinking_blocks;
    captureReasoningState(store, recordingSink().sink, scope).completion(plain, {});
    const textOnly = completion();
    delete textOnly.choices[0].message.tool_calls;
    captureReasoningState(store, recordingSink().sink, scope).completion(textOnly, {});
    await new Promise((r) => setImmediate(r));
    assert.equal(cp.puts(), 0);
  });

  it('a control plane that does not answer holds the answer at most writeWaitMs; this node still has the state', async () => {
    const hang = { put: () => new Promise<void>(() => undefined), get: async () => undefined };
    const store = new ConversationStateStore(hang, { ...DEFAULT_STATE_OPTIONS, writeWaitMs: 50 });
    const { sink, seen } = recordingSink();
    const started = Date.now();
    captureReasoningState(store, sink, scope).completion(completion(), {});
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.ok(Date.now() - started < 1_000);
    assert.deepEqual((await restoreReasoningState(store, nextTurn(), scope)).messages[1].thinking_blocks, signed);
  });

  it('lookups happen only where a destination can use them', () => {
    const endpoint = (provider: string) => ({ destinations: [{ provider }] }) as unknown as Endpoint;
    assert.equal(mayNeedReasoningState(endpoint('gemini'), nextTurn()), true);
    assert.equal(mayNeedReasoningState(endpoint('anthropic'), nextTurn()), true);
    assert.equal(mayNeedReasoningState(endpoint('anthropic'), { ...nextTurn(), reasoning_effort: undefined }), false);
    assert.equal(mayNeedReasoningState(endpoint('openai'), nextTurn()), false);
  });
});
