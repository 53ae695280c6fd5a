// The Responses translation in both directions, pure: input items to chat
// messages, answers to output items and stream events, and the provider's
// signed reasoning carried through a client that replays the output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssistantMessage, ChatChunk } from '../../openai/types';
import { encodeCarriedState } from './carried-state';
import { baseResponse, outputItemsOf } from './response-object';
import { ResponsesStreamTranslator } from './stream-events';
import { toChatMessages } from './to-chat-messages';
import { toChatRequest } from './to-chat-request';
import type { InputItem } from './types';
import { validateResponsesRequest } from './validate-request';

const ids = () => {
  let n = 0;
  return (prefix: string) => `${prefix}_${++n}`;
};

const signed: Pick<AssistantMessage, 'thinking_blocks' | 'provider_state'> = {
  thinking_blocks: [{ type: 'thinking', thinking: 'Paris first.', signature: 'sig-A' }],
  provider_state: { gemini: { toolCallSignatures: { call_1: 'gsig' } } },
};

describe('Responses input -> chat messages', () => {
  it("folds one assistant turn's items into one message and carries its signed reasoning", () => {
    const input: InputItem[] = [
      { role: 'user', content: 'weather in Paris and Rome?' },
      { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'Two calls.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: encodeCarriedState(signed) },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'rain' }] },
      { role: 'user', content: [{ type: 'input_text', text: 'thanks' }] },
    ];
    assert.deepEqual(toChatMessages(input), [
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'Two calls.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
        ...signed,
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rain' }] },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ]);
  });

  it('round-trips what the gateway handed out: output items sent back as input restore the answer', () => {
    const answer: AssistantMessage = {
      role: 'assistant',
      content: null,
      reasoning_content: 'Need the weather.',
      tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
      ...signed,
    };
    const replayed = toChatMessages(outputItemsOf(answer, ids()));
    assert.deepEqual(replayed, [{ ...answer }]);
  });

  it('ignores encrypted content that is not the gateway’s, and refuses what it cannot carry by name', () => {
    const foreign: InputItem[] = [
      { type: 'reasoning', id: 'rs', summary: [], encrypted_content: 'gAAAAB-openai-encrypted' },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
    ];
    assert.deepEqual(toChatMessages(foreign), [
      { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    ]);
    assert.throws(
      () => toChatMessages([{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }]),
      (e: Error & { param?: string }) => e.param === 'input[0].content[0].image_url',
    );
  });

  it('maps the request: instructions first, tools, tool choice, text format, reasoning effort, output cap', () => {
    const chat = toChatRequest(
      {
        model: 'agent',
        instructions: 'Be brief.',
        input: 'hi',
        tools: [{ type: 'function', name: 'f', parameters: { type: 'object' }, strict: true }],
        tool_choice: { type: 'function', name: 'f' },
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
        reasoning: { effort: 'low' },
        max_output_tokens: 300,
        parallel_tool_calls: false,
      },
      [{ role: 'user', content: 'earlier' }],
    );
    assert.deepEqual(chat, {
      model: 'agent',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'earlier' },
        { role: 'user', content: 'hi' },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      parallel_tool_calls: false,
      max_completion_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      reasoning_effort: 'low',
    });
  });
});

describe('Responses request validation', () => {
  it('names the field at fault', () => {
    const cases: Array<[unknown, string]> = [
      [{ model: 'm', input: [{ type: 'computer_call_output', call_id: 'x' }] }, 'input[0].type'],
      [{ model: 'm', input: 'x', tools: [{ type: 'function' }] }, 'tools[0].name'],
      [{ model: 'm', input: 'x', tools: [{ type: 'file_search', vector_store_ids: [] }] }, 'tools[0].type'],
      [{ model: 'm' }, 'input'],
      [{ model: 'm', input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
    ];
    for (const [body, param] of cases) {
      const v = validateResponsesRequest(body);
      assert.equal(v.ok, false, JSON.stringify(body));
      assert.equal(!v.ok && v.error.param, param, JSON.stringify(body));
    }
  });
});

describe('Responses stream events', () => {
  const chunk = (delta: ChatChunk['choices'][0]['delta'], finish: ChatChunk['choices'][0]['finish_reason'] = null): ChatChunk => ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  it('reasoning, text, two calls and late signed state: items in order, every event numbered, the final response whole', () => {
    const base = baseResponse({ model: 'agent', input: 'x' }, 'resp_1', 1);
    const t = new ResponsesStreamTranslator(ids());
    const events = [
      ...t.start(base),
      ...t.push(chunk({ role: 'assistant', reasoning_content: 'Think' })),
      ...t.push(chunk({ reasoning_content: 'ing.' })),
      ...t.push(chunk({ content: 'Let me ' })),
      ...t.push(chunk({ content: 'check.' })),
      ...t.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] })),
      ...t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] })),
      ...t.push(chunk({ provider_state: signed.provider_state }, 'tool_calls')),
    ];
    const finished = t.finish(base, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, completion_tokens_details: { reasoning_tokens: 2 } });
    events.push(...finished.events);
    assert.deepEqual(
      events.map((e) => e.sequence_number),
      events.map((_, i) => i),
    );
    assert.deepEqual(
      events.map((e) => `${e.type}${e.output_index !== undefined ? `@${JSON.stringify(e.output_index)}` : ''}`),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added@0',
        'response.reasoning_text.delta@0',
        'response.reasoning_text.delta@0',
        'response.reasoning_text.done@0',
        'response.output_item.done@0',
        'response.output_item.added@1',
        'response.content_part.added@1',
        'response.output_text.delta@1',
        'response.output_text.delta@1',
        'response.output_text.done@1',
        'response.content_part.done@1',
        'response.output_item.done@1',
        'response.output_item.added@2',
        'response.function_call_arguments.delta@2',
        'response.output_item.added@3',
        'response.function_call_arguments.delta@3',
        'response.function_call_arguments.delta@2',
        'response.function_call_arguments.done@2',
        'response.output_item.done@2',
        'response.function_call_arguments.done@3',
        'response.output_item.done@3',
        'response.output_item.added@4',
        'response.output_item.done@4',
        'response.completed',
      ],
    );
    const { response } = finished;
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Let me check.');
    assert.deepEqual(response.usage?.output_tokens_details, { reasoning_tokens: 2 });
    assert.deepEqual(
      response.output.map((o) => o.type),
      ['reasoning', 'message', 'function_call', 'function_call', 'reasoning'],
    );
    // What a client replays from the stream restores the signed state for the provider.
    const replay = toChatMessages(response.output);
    assert.deepEqual(replay[0]?.provider_state, signed.provider_state);
    assert.equal(replay[0]?.tool_calls?.length, 2);
    assert.equal(replay[0]?.tool_calls?.[0]?.type === 'function' && replay[0].tool_calls[0].function.arguments, '{"city":"Paris"}');
  });

  it('a length stop is an incomplete response', () => {
    const base = baseResponse({ model: 'agent', input: 'x' }, 'resp_2', 1);
    const t = new ResponsesStreamTranslator(ids());
    t.push(chunk({ content: 'cut' }, 'length'));
    const { response, events } = t.finish(base, undefined);
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(events.at(-1)?.type, 'response.incomplete');
  });
});
