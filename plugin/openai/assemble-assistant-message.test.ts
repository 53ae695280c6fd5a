// A streamed answer put back together, whole or (for a sink that keeps only
// reasoning state) without its text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssistantMessageAssembler } from './assemble-assistant-message';
import type { ChatChunk } from './types';

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

const stream: ChatChunk[] = [
  chunk({ role: 'assistant', reasoning_content: 'Look ', thinking_blocks: [{ type: 'thinking', thinking: 'Look ' }] }),
  chunk({ reasoning_content: 'it up.', thinking_blocks: [{ type: 'thinking', thinking: 'it up.', signature: 'sig' }] }),
  chunk({ content: 'Checking ' }),
  chunk({ content: 'the weather.', refusal: '' }),
  chunk({ tool_calls: [{ index: 1, id: 'call_B', type: 'function', function: { name: 'time', arguments: '{"tz":' } }] }),
  chunk({ tool_calls: [{ index: 0, id: 'call_A', type: 'function', function: { name: 'weather', arguments: '{"city"' } }] }),
  chunk({
    tool_calls: [
      { index: 0, function: { arguments: ':"Oslo"}' } },
      { index: 1, function: { arguments: '"CET"}' } },
    ],
  }),
  chunk({ provider_state: { gemini: { toolCallSignatures: { call_A: 'g1' } } } }),
  chunk({}, 'tool_calls'),
];

function assembled(keepText?: boolean) {
  const a = new AssistantMessageAssembler(keepText);
  for (const c of stream) a.push(c);
  return { message: a.message(), finish: a.finishReason };
}

describe('a streamed answer put back together', () => {
  it('whole: text, reasoning, tool calls in index order, signed thinking, provider state, finish reason', () => {
    const { message, finish } = assembled();
    assert.deepEqual(message, {
      role: 'assistant',
      content: 'Checking the weather.',
      reasoning_content: 'Look it up.',
      tool_calls: [
        { id: 'call_A', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        { id: 'call_B', type: 'function', function: { name: 'time', arguments: '{"tz":"CET"}' } },
      ],
      thinking_blocks: [{ type: 'thinking', thinking: 'Look it up.', signature: 'sig' }],
      provider_state: { gemini: { toolCallSignatures: { call_A: 'g1' } } },
    });
    assert.equal(finish, 'tool_calls');
  });

  it('without text: the same tool calls, thinking and state, and none of the text', () => {
    const whole = assembled().message;
    const { message, finish } = assembled(false);
    assert.deepEqual(message, {
      role: 'assistant',
      content: null,
      tool_calls: whole.tool_calls,
      thinking_blocks: whole.thinking_blocks,
      provider_state: whole.provider_state,
    });
    assert.equal(finish, 'tool_calls');
  });

  it('an answer without tool calls has none', () => {
    const a = new AssistantMessageAssembler();
    a.push(chunk({ content: 'Hi.' }, 'stop'));
    assert.deepEqual(a.message(), { role: 'assistant', content: 'Hi.' });
  });
});
