// A 2xx body of the wrong shape is refused by the provider's response schema,
// naming the field, before the translation reads it: never a TypeError and
// never a completion with `undefined` where an id or a name belongs. The
// pipeline reports it to the client as before (502 provider_bad_response,
// failure kind 'invalid-response', worth another destination).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderId } from '../contract';
import { unreadableAnswer } from '../pipeline/call-provider';
import { GatewayError, type ResponseContext } from './contract';
import { providers } from './index';

const ctx: ResponseContext = { id: 'chatcmpl-1', created: 1, model: 'm', newId: () => 'call_1' };

/** Bodies each provider's schema refuses, with the field the message names. */
const INVALID: Array<[ProviderId, unknown, RegExp]> = [
  ['anthropic', { type: 'message' }, /must have required property 'content'/],
  ['anthropic', { content: 'hello' }, /content must be array/],
  ['anthropic', { content: [{ type: 'tool_use', name: 'f', input: {} }] }, /content\.0 must have required property 'id'/],
  ['anthropic', { content: [{ type: 'text', text: 5 }] }, /content\.0\.text must be string/],
  ['anthropic', { content: [], usage: { input_tokens: '3' } }, /usage\.input_tokens must be number,null/],
  ['gemini', { candidates: {} }, /candidates must be array/],
  ['gemini', { candidates: [{ content: { parts: [{ functionCall: { args: {} } }] } }] }, /functionCall must have required property 'name'/],
  ['gemini', { candidates: [{ content: { parts: [{ text: 7 }] } }] }, /parts\.0\.text must be string/],
  ['bedrock', {}, /must have required property 'output'/],
  ['bedrock', { output: { message: { content: [{ toolUse: { name: 'f', input: {} } }] } } }, /toolUse must have required property 'toolUseId'/],
  ['bedrock', { output: { message: { content: [] } }, usage: { outputTokens: 'many' } }, /usage\.outputTokens must be number,null/],
  ['cohere', { finish_reason: 'COMPLETE' }, /must have required property 'message'/],
  ['cohere', { message: { tool_calls: [{ id: 'c', function: { name: 'f' } }] } }, /function must have required property 'arguments'/],
  ['cohere', { message: { content: [{ type: 'text', text: ['a'] }] } }, /content\.0\.text must be string/],
  ['ollama', { message: 'hi', done: true }, /message must be object/],
  ['ollama', { message: { content: '', tool_calls: [{ function: { arguments: {} } }] } }, /function must have required property 'name'/],
  ['ollama', { message: { content: 'x' }, eval_count: '3' }, /eval_count must be number,null/],
  ['openai', { id: 'x', object: 'chat.completion' }, /must have required property 'choices'/],
  ['openai', { choices: [null] }, /choices\.0 must be object/],
  ['openai', { choices: [{ message: { content: 'hi', tool_calls: {} } }] }, /message\.tool_calls must be array,null/],
  ['openai', { choices: [{ message: { tool_calls: [{ id: 7, function: { name: 'f', arguments: '{}' } }] } }] }, /tool_calls\.0\.id must be string,null/],
  ['azure-openai', { choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: '3' } }, /usage\.prompt_tokens must be number,null/],
  ['mistral', { choices: [{ index: 'first', message: { content: 'hi' } }] }, /choices\.0\.index must be integer,null/],
  ['openai-compatible', { choices: 'hi' }, /choices must be array/],
  ['openai-compatible', { choices: [{ message: { content: 'hi' }, finish_reason: 1 }] }, /finish_reason must be string,null/],
];

describe('provider responses are checked by schema', () => {
  for (const [id, body, field] of INVALID) {
    it(`${id} refuses ${JSON.stringify(body)}`, () => {
      assert.throws(
        () => providers[id]!.chat.parseResponse(body, ctx),
        (e: unknown) => {
          assert.ok(e instanceof GatewayError, String(e));
          assert.equal(e.status, 502);
          assert.equal(e.code, 'provider_bad_response');
          assert.match(e.message, /returned a malformed response: /);
          assert.match(e.message, field);
          return true;
        },
      );
    });
  }

  const INVALID_EMBEDDINGS: Array<[ProviderId, unknown, RegExp]> = [
    ['cohere', { embeddings: { int8: [[1]] } }, /embeddings must have required property 'float'/],
    ['cohere', { embeddings: { float: [[0.1, 'x']] } }, /embeddings\.float\.0\.1 must be number/],
    ['ollama', { embeddings: [0.1, 0.2] }, /embeddings\.0 must be array/],
    ['ollama', { model: 'm' }, /must have required property 'embeddings'/],
    ['bedrock', { inputTextTokenCount: 3 }, /must have required property 'embeddings'/],
    ['bedrock', { embedding: [0.1, '0.2'], inputTextTokenCount: 3 }, /embedding\.1 must be number/],
    ['bedrock', { embedding: [0.1], inputTextTokenCount: 'three' }, /inputTextTokenCount must be number,null/],
    ['bedrock', { embeddings: [0.1, 0.2] }, /embeddings\.0 must be array/],
    ['bedrock', { embeddings: { int8: [[1]] } }, /embeddings must have required property 'float'/],
    ['bedrock', { embeddings: 'vectors' }, /embeddings must be array,object/],
    ['openai', { object: 'list' }, /must have required property 'data'/],
    ['openai', { data: [{ index: 0, embedding: [0.1, null] }] }, /data\.0\.embedding\.1 must be number/],
    ['openai-compatible', { data: [{ embedding: 5 }] }, /data\.0\.embedding must be array,string/],
    ['mistral', { data: [{ embedding: [0.1] }], usage: { prompt_tokens: [] } }, /usage\.prompt_tokens must be number,null/],
  ];
  for (const [id, body, field] of INVALID_EMBEDDINGS) {
    it(`${id} embeddings refuse ${JSON.stringify(body)}`, () => {
      assert.throws(
        () => providers[id]!.embeddings!.parseResponse(body, ctx),
        (e: unknown) => e instanceof GatewayError && e.status === 502 && field.test(e.message),
      );
    });
  }

  it('a body the schema refuses reaches the client as an invalid-response failure, as any unreadable body does', () => {
    let thrown: unknown;
    try {
      providers.anthropic!.chat.parseResponse({ content: 'hello' }, ctx);
    } catch (e) {
      thrown = e;
    }
    const failure = unreadableAnswer({ provider: 'anthropic' } as Parameters<typeof unreadableAnswer>[0], thrown);
    assert.equal(failure.kind, 'invalid-response');
    assert.equal(failure.status, 502);
    assert.equal(failure.body().error.code, 'provider_bad_response');
    assert.match(failure.message, /^anthropic returned a response the gateway could not read: Anthropic returned a malformed response: content must be array$/);
  });

  it('extra and unknown fields pass: providers add fields all the time', () => {
    const out = providers.anthropic!.chat.parseResponse(
      {
        content: [
          { type: 'text', text: 'hi' },
          { type: 'server_tool_use', id: 's', name: 'web_search', input: {} },
        ],
        brand_new: { x: 1 },
        stop_reason: 'end_turn',
      },
      ctx,
    );
    assert.equal(out.choices[0]!.message.content, 'hi');
    const ollama = providers.ollama!.chat.parseResponse(
      { model: 'llama', message: { role: 'assistant', content: 'ok', images: null }, done: true, eval_count: 2 },
      ctx,
    );
    assert.equal(ollama.choices[0]!.message.content, 'ok');
  });

  it('the nulls OpenAI-compatible servers send and every Bedrock embeddings shape pass', () => {
    const compatible = providers['openai-compatible']!.chat.parseResponse(
      { choices: [{ index: null, message: { content: null, tool_calls: null, refusal: null }, finish_reason: null }], usage: null, system_fingerprint: null },
      ctx,
    );
    assert.deepEqual(compatible.choices[0]!.message, { role: 'assistant', content: null });
    const bedrock = providers.bedrock!.embeddings!;
    const titan = bedrock.parseResponse({ embedding: [0.1, 0.2], inputTextTokenCount: 4 }, ctx);
    assert.deepEqual([titan.data, titan.usage], [[{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], { prompt_tokens: 4, total_tokens: 4 }]);
    assert.deepEqual(
      bedrock.parseResponse({ embeddings: [[0.1], [0.2]] }, ctx).data.map((d) => d.embedding),
      [[0.1], [0.2]],
    );
    assert.deepEqual(
      bedrock.parseResponse({ id: 'e', embeddings: { float: [[0.3]] }, texts: ['a'] }, ctx).data.map((d) => d.embedding),
      [[0.3]],
    );
  });
});
