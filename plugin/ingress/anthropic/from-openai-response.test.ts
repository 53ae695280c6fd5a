import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ChatCompletion, FinishReason } from '../../openai/types';
import { AnthropicResponseError } from './errors';
import { toAnthropicMessage } from './from-openai-response';
import { decodeProviderState } from './provider-state';

function fixture(name: string): { openai: ChatCompletion; anthropic: unknown } {
  return JSON.parse(readFileSync(join(__dirname, '__fixtures__', `${name}.json`), 'utf8'));
}

function completion(message: ChatCompletion['choices'][number]['message'], finish: FinishReason | null): ChatCompletion {
  return { id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message, finish_reason: finish }] };
}

describe('OpenAI completion -> Anthropic message', () => {
  test("Claude's signed thinking first, as it was; cache reads and writes in Anthropic's usage", () => {
    const msg = toAnthropicMessage({
      ...completion(
        {
          role: 'assistant',
          content: 'Hi',
          reasoning_content: 'thought',
          thinking_blocks: [
            { type: 'thinking', thinking: 'thought', signature: 's' },
            { type: 'redacted_thinking', data: 'r' },
          ],
        },
        'stop',
      ),
      usage: { prompt_tokens: 1000, completion_tokens: 10, total_tokens: 1010, prompt_tokens_details: { cached_tokens: 900, cache_write_tokens: 50 } },
    });
    assert.deepEqual(msg.content, [
      { type: 'thinking', thinking: 'thought', signature: 's' },
      { type: 'redacted_thinking', data: 'r' },
      { type: 'text', text: 'Hi' },
    ]);
    assert.deepEqual(msg.usage, { input_tokens: 50, output_tokens: 10, cache_creation_input_tokens: 50, cache_read_input_tokens: 900 });
  });

  test("another model's reasoning text is an unsigned thinking block", () => {
    const msg = toAnthropicMessage(completion({ role: 'assistant', content: 'Hi', reasoning_content: 'thought' }, 'stop'));
    assert.deepEqual(msg.content[0], { type: 'thinking', thinking: 'thought', signature: '' });
  });

  for (const name of ['response-tool-use', 'response-text-length', 'response-provider-state']) {
    test(`fixture ${name}`, () => {
      const { openai, anthropic } = fixture(name);
      assert.deepEqual(toAnthropicMessage(openai), anthropic);
    });
  }

  const reasons: Array<[FinishReason | null, string]> = [
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ];
  for (const [finish, stop] of reasons) {
    test(`finish_reason ${finish} -> ${stop}`, () => {
      assert.equal(toAnthropicMessage(completion({ role: 'assistant', content: 'x' }, finish)).stop_reason, stop);
    });
  }

  test('tool calls finished with "stop" (as Gemini reports them) are still tool_use', () => {
    const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: '' } };
    const msg = toAnthropicMessage(completion({ role: 'assistant', content: null, tool_calls: [call] }, 'stop'));
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content, [{ type: 'tool_use', id: 'c', name: 'f', input: {} }]);
  });

  test('provider_state becomes one redacted_thinking block, first, that decodes back to it', () => {
    const state = { gemini: { toolCallSignatures: { c: 'sig-c' }, textSignature: 'sig-t' } };
    const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{}' } };
    const msg = toAnthropicMessage(completion({ role: 'assistant', content: 'hi', tool_calls: [call], provider_state: state }, 'tool_calls'));
    assert.deepEqual(
      msg.content.map((b) => b.type),
      ['redacted_thinking', 'text', 'tool_use'],
    );
    const block = msg.content[0] as { type: 'redacted_thinking'; data: string };
    assert.match(block.data, /^llmgw1\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeProviderState(block.data, 'data'), state);
  });

  test('an empty provider_state adds no block', () => {
    const msg = toAnthropicMessage(completion({ role: 'assistant', content: 'hi', provider_state: {} }, 'stop'));
    assert.deepEqual(msg.content, [{ type: 'text', text: 'hi' }]);
  });

  test('an empty answer has no blocks and zero usage when the provider gave none', () => {
    const msg = toAnthropicMessage(completion({ role: 'assistant', content: '' }, 'stop'));
    assert.deepEqual(msg.content, []);
    assert.deepEqual(msg.usage, { input_tokens: 0, output_tokens: 0 });
  });

  test('a refusal becomes the text of a refusal', () => {
    const msg = toAnthropicMessage(completion({ role: 'assistant', content: null, refusal: 'I cannot help with that.' }, 'content_filter'));
    assert.deepEqual(msg.content, [{ type: 'text', text: 'I cannot help with that.' }]);
    assert.equal(msg.stop_reason, 'refusal');
  });

  test('tool arguments that are not a JSON object are an error, not a silent {}', () => {
    for (const args of ['{"a":', '[1,2]']) {
      const call = { id: 'c', type: 'function' as const, function: { name: 'f', arguments: args } };
      assert.throws(() => toAnthropicMessage(completion({ role: 'assistant', content: null, tool_calls: [call] }, 'tool_calls')), AnthropicResponseError);
    }
  });
});
