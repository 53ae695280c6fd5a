import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../contract';
import type { ChatSink } from '../ingress/contract';
import type { ChatChunk, ChatCompletion, ChatRequest } from '../openai/types';
import { ControlPlaneConversationStore } from './control-plane-conversation-store';
import type { ConversationRecord } from './conversation-store';
import { captureReasoningState, mayNeedReasoningState, reasoningStateKey, restoreReasoningState } from './reasoning-state';

/** The control plane's store, shared by the data planes of a test. */
function controlPlane() {
  const kept = new Map<string, ConversationRecord>();
  const calls = { put: 0, get: 0 };
  return {
    kept,
    calls,
    client: {
      put: async (key: string, record: ConversationRecord) => {
        calls.put++;
        kept.set(key, structuredClone(record));
      },
      get: async (key: string) => {
        calls.get++;
        return structuredClone(kept.get(key));
      },
      delete: async (key: string) => kept.delete(key),
    },
  };
}

function recordingSink() {
  const seen: string[] = [];
  const sink: ChatSink = {
    completion: () => void seen.push('completion'),
    open: () => void seen.push('open'),
    chunk: () => void seen.push('chunk'),
    close: () => void seen.push('close'),
    streamError: () => void seen.push('streamError'),
    error: () => void seen.push('error'),
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

describe('reasoning state across turns and Kong nodes', () => {
  it('an answer with signed thinking is kept under its tool-call ids before it goes out; the next turn on another node gets it back', async () => {
    const cp = controlPlane();
    const nodeA = new ControlPlaneConversationStore(cp.client);
    const nodeB = new ControlPlaneConversationStore(cp.client);
    const { sink, seen } = recordingSink();
    await captureReasoningState(nodeA, sink, scope).completion(completion(), {});
    assert.deepEqual(seen, ['completion']);
    assert.equal(cp.kept.size, 2);
    const record = cp.kept.get(reasoningStateKey(scope, 'toolu_B'))!;
    assert.deepEqual(record.value, { thinking_blocks: signed });
    assert.equal(record.endpoint, 'agents');
    assert.equal(record.user, 'alice');

    const restored = await restoreReasoningState(nodeB, nextTurn(), scope);
    assert.deepEqual(restored.messages[1]!.thinking_blocks, signed);
  });

  it("another user's or endpoint's conversation never sees it", async () => {
    const cp = controlPlane();
    const store = new ControlPlaneConversationStore(cp.client);
    await captureReasoningState(store, recordingSink().sink, scope).completion(completion(), {});
    assert.equal((await restoreReasoningState(store, nextTurn(), { ...scope, user: 'mallory' })).messages[1]!.thinking_blocks, undefined);
    assert.equal((await restoreReasoningState(store, nextTurn(), { ...scope, endpoint: 'other' })).messages[1]!.thinking_blocks, undefined);
  });

  it('earlier turns get their state back too; state the client kept is left alone; a miss is remembered', async () => {
    const cp = controlPlane();
    const nodeA = new ControlPlaneConversationStore(cp.client);
    await captureReasoningState(nodeA, recordingSink().sink, scope).completion(completion(), {});
    const req = nextTurn();
    const later: ChatRequest = { ...req, messages: [...req.messages, { role: 'assistant', content: 'It is sunny.' }, { role: 'user', content: 'thanks' }] };
    const nodeB = new ControlPlaneConversationStore(cp.client);
    assert.deepEqual((await restoreReasoningState(nodeB, later, scope)).messages[1]!.thinking_blocks, signed);
    const kept: ChatRequest = { ...req, messages: req.messages.map((m, i) => (i === 1 ? { ...m, provider_state: { gemini: {} } } : m)) };
    const gets = cp.calls.get;
    assert.equal(await restoreReasoningState(nodeB, kept, scope), kept);
    assert.equal(cp.calls.get, gets, 'no lookup for a message that carries its state');
    await restoreReasoningState(nodeB, nextTurn('never-kept'), scope);
    await restoreReasoningState(nodeB, nextTurn('never-kept'), scope);
    assert.equal(cp.calls.get, gets + 1, 'a miss is remembered');
  });

  it('a stream: thinking pieces and provider_state deltas are put back together and kept before the stream closes', async () => {
    const cp = controlPlane();
    const store = new ControlPlaneConversationStore(cp.client);
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
    const closing = wrapped.close({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, { id: 'c', created: 1, model: 'm' });
    assert.deepEqual(seen, ['open', 'chunk', 'chunk', 'chunk', 'chunk', 'chunk'], 'chunks pass at once; the close waits for the store');
    await closing;
    assert.equal(seen.at(-1), 'close');
    assert.deepEqual(cp.kept.get(reasoningStateKey(scope, 'toolu_A'))!.value, {
      thinking_blocks: signed,
      provider_state: { gemini: { toolCallSignatures: { toolu_A: 'g1' } } },
    });
  });

  it('answers without reasoning state, or without tool calls, keep nothing', async () => {
    const cp = controlPlane();
    const store = new ControlPlaneConversationStore(cp.client);
    const plain = completion();
    delete plain.choices[0]!.message.thinking_blocks;
    await captureReasoningState(store, recordingSink().sink, scope).completion(plain, {});
    const textOnly = completion();
    delete textOnly.choices[0]!.message.tool_calls;
    await captureReasoningState(store, recordingSink().sink, scope).completion(textOnly, {});
    assert.equal(cp.calls.put, 0);
  });

  it('a control plane that does not answer holds the answer at most the write bound; this node still has the state', async () => {
    const hang = { put: () => new Promise<void>(() => undefined), get: async () => undefined, delete: async () => false };
    const store = new ControlPlaneConversationStore(hang, 50);
    const started = Date.now();
    await captureReasoningState(store, recordingSink().sink, scope).completion(completion(), {});
    assert.ok(Date.now() - started < 1_000);
    assert.deepEqual((await restoreReasoningState(store, nextTurn(), scope)).messages[1]!.thinking_blocks, signed);
  });

  it('a control plane that fails: the answer still goes out', async () => {
    const failing = {
      put: async () => Promise.reject(new Error('down')),
      get: async () => Promise.reject(new Error('down')),
      delete: async () => false,
    };
    const store = new ControlPlaneConversationStore(failing);
    const { sink, seen } = recordingSink();
    await captureReasoningState(store, sink, scope).completion(completion(), {});
    assert.deepEqual(seen, ['completion']);
    assert.equal((await restoreReasoningState(new ControlPlaneConversationStore(failing), nextTurn(), scope)).messages[1]!.thinking_blocks, undefined);
  });

  it('lookups happen only where a destination can use them', () => {
    const endpoint = (provider: string) => ({ destinations: [{ provider }] }) as unknown as Endpoint;
    assert.equal(mayNeedReasoningState(endpoint('gemini'), nextTurn()), true);
    assert.equal(mayNeedReasoningState(endpoint('anthropic'), nextTurn()), true);
    assert.equal(mayNeedReasoningState(endpoint('anthropic'), { ...nextTurn(), reasoning_effort: undefined }), false);
    assert.equal(mayNeedReasoningState(endpoint('openai'), nextTurn()), false);
  });
});
