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
});
