import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ChatChunk, ChunkDelta, FinishReason, Usage } from '../../openai/types';
import { decodeProviderState } from './provider-state';
import { AnthropicStreamTranslator, serializeEvent } from './stream';

interface StreamFixture {
  chunks: ChatChunk[];
  usage: Usage;
  last: { id: string; created: number; model: string };
}

const dir = join(__dirname, '__fixtures__');

function translator(): AnthropicStreamTranslator {
  let n = 0;
  return new AnthropicStreamTranslator({ model: 'endpoint', newToolId: () => `toolu_${++n}` });
}

function chunk(delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk {
  return { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] };
}

/** `type[index]` per event, the shape of a stream at a glance. */
function outline(events: Array<{ type: string; index?: number }>): string[] {
  return events.map((e) => (e.index === undefined ? e.type : `${e.type}[${e.index}]`));
}

describe('OpenAI chunks -> Anthropic stream events', () => {
  test("Claude's thinking comes back as Anthropic's thinking blocks (thinking_delta, signature_delta), cache usage in message_delta", () => {
    const t = translator();
    const events = [
      ...t.push(chunk({ role: 'assistant', content: '' })),
      ...t.push(chunk({ reasoning_content: 'Let me ', thinking_blocks: [{ type: 'thinking', thinking: 'Let me ' }] })),
      ...t.push(chunk({ reasoning_content: 'think.', thinking_blocks: [{ type: 'thinking', thinking: 'think.' }] })),
      ...t.push(chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'sig-1' }] })),
      ...t.push(chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'opaque' }] })),
      ...t.push(chunk({ content: 'Answer.' })),
      ...t.push(chunk({}, 'stop')),
      ...t.finish(
        { prompt_tokens: 100, completion_tokens: 9, total_tokens: 109, prompt_tokens_details: { cached_tokens: 80, cache_write_tokens: 15 } },
        { id: 'chatcmpl-s', model: 'm' },
      ),
    ] as Array<{ type: string; index?: number; [k: string]: any }>;
    assert.deepEqual(outline(events), [
      'message_start',
      'content_block_start[0]',
      'content_block_delta[0]',
      'content_block_delta[0]',
      'content_block_delta[0]',
      'content_block_stop[0]',
      'content_block_start[1]',
      'content_block_stop[1]',
      'content_block_start[2]',
      'content_block_delta[2]',
      'content_block_stop[2]',
      'message_delta',
      'message_stop',
    ]);
    assert.deepEqual(events[1]!.content_block, { type: 'thinking', thinking: '', signature: '' });
    assert.deepEqual(
      events.slice(2, 5).map((e) => e.delta),
      [
        { type: 'thinking_delta', thinking: 'Let me ' },
        { type: 'thinking_delta', thinking: 'think.' },
        { type: 'signature_delta', signature: 'sig-1' },
      ],
    );
    assert.deepEqual(events[6]!.content_block, { type: 'redacted_thinking', data: 'opaque' });
    assert.deepEqual(events[11]!.usage, { input_tokens: 5, output_tokens: 9, cache_creation_input_tokens: 15, cache_read_input_tokens: 80 });
  });

  test("another model's reasoning is an unsigned thinking block, closed when the text starts", () => {
    const t = translator();
    const events = [...t.push(chunk({ role: 'assistant', reasoning_content: 'hmm' })), ...t.push(chunk({ content: 'Hi' }))];
    assert.deepEqual(outline(events), [
      'message_start',
      'content_block_start[0]',
      'content_block_delta[0]',
      'content_block_stop[0]',
      'content_block_start[1]',
      'content_block_delta[1]',
    ]);
  });

  test('text then two parallel tool calls with arguments in pieces: the exact event sequence', () => {
    const fx: StreamFixture = JSON.parse(readFileSync(join(dir, 'stream-text-parallel-tools.chunks.json'), 'utf8'));
    const t = translator();
    const events = [...fx.chunks.flatMap((c) => t.push(c)), ...t.finish(fx.usage, fx.last)];
    assert.equal(events.map(serializeEvent).join(''), readFileSync(join(dir, 'stream-text-parallel-tools.events.txt'), 'utf8'));
  });

  test('provider_state in several deltas: one merged redacted_thinking block last, before message_delta (exact event sequence)', () => {
    const fx: StreamFixture = JSON.parse(readFileSync(join(dir, 'stream-provider-state.chunks.json'), 'utf8'));
    const t = translator();
    const events = [...fx.chunks.flatMap((c) => t.push(c)), ...t.finish(fx.usage, fx.last)];
    assert.equal(events.map(serializeEvent).join(''), readFileSync(join(dir, 'stream-provider-state.events.txt'), 'utf8'));
    const blocks = events.filter((e) => e.type === 'content_block_start');
    assert.deepEqual(
      blocks.map((e) => e.type === 'content_block_start' && e.content_block.type),
      ['text', 'tool_use', 'tool_use', 'redacted_thinking'],
    );
    const last = blocks.at(-1);
    assert.ok(last?.type === 'content_block_start' && last.content_block.type === 'redacted_thinking');
    assert.deepEqual(decodeProviderState(String(last.content_block.data), 'data'), {
      gemini: { toolCallSignatures: { call_1: 'CiQB0e2Kb1sigParis==', call_2: 'CiQB0e2Kb1sigTokyo==' }, textSignature: 'EjQKMgEMtext==' },
    });
  });

  test('provider_state with the first delta: the block still comes once, after the content', () => {
    const t = translator();
    const events = [
      ...t.push(
        chunk(
          { tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{}' } }], provider_state: { gemini: { toolCallSignatures: { a: 's' } } } },
          'stop',
        ),
      ),
      ...t.finish(undefined, { id: 'x', model: 'm' }),
    ];
    assert.deepEqual(outline(events), [
      'message_start',
      'content_block_start[0]',
      'content_block_delta[0]',
      'content_block_stop[0]',
      'content_block_start[1]',
      'content_block_stop[1]',
      'message_delta',
      'message_stop',
    ]);
  });

  test('no provider_state (or an empty one): no redacted_thinking block', () => {
    const t = translator();
    const events = [...t.push(chunk({ content: 'hi', provider_state: {} }, 'stop')), ...t.finish(undefined, { id: 'x', model: 'm' })];
    assert.ok(events.every((e) => e.type !== 'content_block_start' || e.content_block.type === 'text'));
  });

  test('a stream that fails carries no provider_state block', () => {
    const t = translator();
    t.push(chunk({ content: 'partial', provider_state: { gemini: { textSignature: 's' } } }));
    assert.deepEqual(outline(t.fail({ type: 'api_error', message: 'x' })), ['error']);
  });

  test('an empty stream is still a whole message', () => {
    const t = translator();
    const events = t.finish(undefined, { id: 'chatcmpl-e', model: 'm' });
    assert.deepEqual(outline(events), ['message_start', 'message_delta', 'message_stop']);
    assert.deepEqual(events[1], { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 0 } });
  });

  test('usage seen in a chunk fills message_start', () => {
    const t = translator();
    const c = { ...chunk({ content: 'hi' }), usage: { prompt_tokens: 7, completion_tokens: 0, total_tokens: 7 } };
    const [start] = t.push(c);
    assert.equal(start?.type, 'message_start');
    if (start?.type === 'message_start') assert.deepEqual(start.message.usage, { input_tokens: 7, output_tokens: 0 });
  });

  test('text after a tool call opens a new block; a missing tool id is generated', () => {
    const t = translator();
    const events = [
      ...t.push(chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] })),
      ...t.push(chunk({ content: 'done' }, 'stop')),
      ...t.finish(undefined, { id: 'x', model: 'm' }),
    ];
    assert.deepEqual(outline(events), [
      'message_start',
      'content_block_start[0]',
      'content_block_delta[0]',
      'content_block_stop[0]',
      'content_block_start[1]',
      'content_block_delta[1]',
      'content_block_stop[1]',
      'message_delta',
      'message_stop',
    ]);
    assert.deepEqual(events[1], { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } });
    // A tool was called but the provider said "stop": the client must still run the tool.
    const last = events[7];
    assert.equal(last?.type === 'message_delta' && last.delta.stop_reason, 'tool_use');
  });

  test('a late argument piece for an earlier tool call keeps its own block index', () => {
    const t = translator();
    const events = [
      ...t.push(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'g', arguments: '{}' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, 'tool_calls')),
    ];
    assert.deepEqual(events.at(-1), { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } });
  });

  test('several tool calls in one chunk each get a block', () => {
    const t = translator();
    const events = t.push(
      chunk({
        tool_calls: [
          { index: 0, id: 'a', function: { name: 'f', arguments: '{"q":1}' } },
          { index: 1, id: 'b', function: { name: 'g', arguments: '{"q":2}' } },
        ],
      }),
    );
    assert.deepEqual(outline(events), [
      'message_start',
      'content_block_start[0]',
      'content_block_delta[0]',
      'content_block_stop[0]',
      'content_block_start[1]',
      'content_block_delta[1]',
    ]);
  });

  test('an error mid-stream is an Anthropic error event, and nothing follows it', () => {
    const t = translator();
    t.push(chunk({ content: 'partial' }));
    const events = t.fail({ type: 'overloaded_error', message: 'Overloaded' });
    assert.deepEqual(events, [{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
    assert.equal(serializeEvent(events[0]!), 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
    assert.deepEqual(t.finish(undefined, { id: 'x', model: 'm' }), []);
    assert.deepEqual(t.push(chunk({ content: 'more' })), []);
  });

  test('finish_reason length -> max_tokens with the final usage', () => {
    const t = translator();
    t.push(chunk({ content: 'a' }, 'length'));
    const [, delta] = t.finish({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }, { id: 'x', model: 'm' });
    assert.deepEqual(delta, { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { input_tokens: 3, output_tokens: 1 } });
  });
});
