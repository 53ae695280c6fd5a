import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ChatChunk, ChatRequest } from '../../openai/types';
import { GatewayError, type ResponseContext, type Target } from '../contract';
import { decodeAll } from '../shared/decode-stream-framing';
import { convertJsonSchemaToGemini } from './convert-json-schema';
import { geminiProvider } from './index';
import { toolCallInput } from '../../openai/tool-call-input';

const fixtures = path.join(__dirname, '__fixtures__');

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1_700_000_000, model: 'gemini-test', newId: () => `call_${++n}` };
}

const target: Target = { provider: 'gemini', model: 'gemini-2.0-flash', credentials: { apiKey: 'k' }, options: {} };

/** Accumulates streamed tool-call deltas the way an OpenAI client does. */
function reassembleToolCalls(chunks: ChatChunk[]): Array<{ id: string; name: string; arguments: string }> {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const c of chunks) {
    for (const d of c.choices[0]?.delta.tool_calls ?? []) {
      const call = (calls[d.index] ??= { id: '', name: '', arguments: '' });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      if (d.function?.arguments) call.arguments += d.function.arguments;
    }
  }
  return calls;
}

test('streamed tool-call arguments reassemble to exactly the non-streamed arguments', () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(fixtures, 'tool-calls.json'), 'utf8'));
  const whole = geminiProvider.chat.parseResponse(fixture.upstreamResponse, ctx());
  const transformer = geminiProvider.chat.createStreamTransformer(ctx(), fixture.request as ChatRequest);
  const chunks = decodeAll('sse', fs.readFileSync(path.join(fixtures, 'tool-calls.chunks.txt'))).flatMap((e) => transformer.push(e));
  const streamed = reassembleToolCalls(chunks);
  const expected = (whole.choices[0]?.message.tool_calls ?? []).map((t) => ({ id: t.id, name: toolCallInput(t).name, arguments: toolCallInput(t).text }));
  assert.deepEqual(streamed, expected);
  assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(whole.choices[0]?.finish_reason, 'tool_calls');
});

test('finish reason STOP with function calls becomes tool_calls, without them stop; MAX_TOKENS length', () => {
  const body = (parts: unknown[], finishReason: string) => ({ candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }] });
  assert.equal(geminiProvider.chat.parseResponse(body([{ functionCall: { name: 'f', args: {} } }], 'STOP'), ctx()).choices[0]?.finish_reason, 'tool_calls');
  assert.equal(geminiProvider.chat.parseResponse(body([{ text: 'hi' }], 'STOP'), ctx()).choices[0]?.finish_reason, 'stop');
  assert.equal(geminiProvider.chat.parseResponse(body([{ text: 'hi' }], 'MAX_TOKENS'), ctx()).choices[0]?.finish_reason, 'length');
  for (const reason of ['RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']) {
    assert.equal(geminiProvider.chat.parseResponse(body([{ text: 'x' }], reason), ctx()).choices[0]?.finish_reason, 'content_filter');
  }
});

test('tool results are matched to their function by the assistant tool call id', () => {
  const req: ChatRequest = {
    model: 'm',
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'tool', tool_call_id: 'unknown', content: '1' },
    ],
  };
  assert.throws(
    () => geminiProvider.chat.buildRequest(req, target),
    (err: unknown) => err instanceof GatewayError && err.status === 400 && err.param === 'messages[1].tool_call_id',
  );
});

test('malformed tool-call arguments in history are a 400, not a crash', () => {
  const req: ChatRequest = {
    model: 'm',
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{oops' } }] },
    ],
  };
  assert.throws(
    () => geminiProvider.chat.buildRequest(req, target),
    (err: unknown) => err instanceof GatewayError && err.status === 400,
  );
});

test('schema conversion strips unsupported keywords and keeps the rest', () => {
  const converted = convertJsonSchemaToGemini({
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    properties: { n: { type: 'number', format: 'float', exclusiveMinimum: 0 }, s: { const: 'x' }, e: { type: 'integer', enum: [1, 2] } },
  });
  assert.deepEqual(converted, {
    type: 'object',
    properties: { n: { type: 'number', format: 'float' }, s: { type: 'string', enum: ['x'] }, e: { type: 'string', enum: ['1', '2'] } },
  });
});

test('errors: 429 takes retryAfterMs from RetryInfo when no header says otherwise', () => {
  const body = JSON.stringify({
    error: {
      code: 429,
      message: 'You exceeded your current quota.',
      status: 'RESOURCE_EXHAUSTED',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37s' },
      ],
    },
  });
  const err = geminiProvider.parseError(429, body, {});
  assert.equal(err.status, 429);
  assert.equal(err.type, 'rate_limit_exceeded');
  assert.equal(err.upstreamStatus, 429);
  assert.equal(err.retryAfterMs, 37_000);
  assert.equal(geminiProvider.parseError(429, body, { 'Retry-After': '5' }).retryAfterMs, 5_000);
});

test('errors: bad request keeps the message, auth failures become 502, overload 503, 500 502', () => {
  const status = (code: number, s: string, message: string) => JSON.stringify({ error: { code, message, status: s } });
  const bad = geminiProvider.parseError(400, status(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified'), {});
  assert.equal(bad.status, 400);
  assert.equal(bad.type, 'invalid_request_error');
  assert.match(bad.message, /contents is not specified/);
  const auth = geminiProvider.parseError(403, status(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers."), {});
  assert.equal(auth.status, 502);
  assert.match(auth.message, /credentials/);
  assert.equal(auth.upstreamStatus, 403);
  const badKey = JSON.stringify({
    error: {
      code: 400,
      message: 'API key not valid. Please pass a valid API key.',
      status: 'INVALID_ARGUMENT',
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
    },
  });
  const keyErr = geminiProvider.parseError(400, badKey, {});
  assert.equal(keyErr.status, 502);
  assert.equal(keyErr.upstreamStatus, 400);
  assert.equal(geminiProvider.parseError(503, status(503, 'UNAVAILABLE', 'The model is overloaded.'), {}).status, 503);
  assert.equal(geminiProvider.parseError(500, status(500, 'INTERNAL', 'An internal error has occurred.'), {}).status, 502);
  assert.equal(geminiProvider.parseError(502, '<html>bad gateway</html>', {}).status, 502);
});

test('embeddings: one string uses embedContent, an array batchEmbedContents', () => {
  const embeddings = geminiProvider.embeddings!;
  const et: Target = { ...target, model: 'text-embedding-004' };
  const one = embeddings.buildRequest({ model: 'e', input: 'hello', dimensions: 256 }, et);
  assert.equal(one.url, 'https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:embedContent');
  assert.deepEqual(JSON.parse(String(one.body)), { model: 'models/text-embedding-004', content: { parts: [{ text: 'hello' }] }, outputDimensionality: 256 });
  const many = embeddings.buildRequest({ model: 'e', input: ['a', 'b'] }, et);
  assert.equal(many.url, 'https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents');
  assert.deepEqual(JSON.parse(String(many.body)), {
    requests: [
      { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] } },
      { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] } },
    ],
  });
  assert.throws(
    () => embeddings.buildRequest({ model: 'e', input: [1, 2, 3] }, et),
    (e: unknown) => e instanceof GatewayError && e.status === 400,
  );

  const c = { ...ctx(), model: 'text-embedding-004' };
  assert.deepEqual(embeddings.parseResponse({ embedding: { values: [0.1, 0.2] } }, c), {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
    model: 'text-embedding-004',
    usage: { prompt_tokens: 0, total_tokens: 0 },
  });
  assert.equal(embeddings.parseResponse({ embeddings: [{ values: [1] }, { values: [2] }] }, c).data[1]?.index, 1);
});

test('configured headers never replace the API key, whatever their case', () => {
  const built = geminiProvider.chat.buildRequest(
    { model: 'm', messages: [{ role: 'user', content: 'x' }] },
    { ...target, options: { headers: { 'X-Goog-Api-Key': 'evil', 'x-extra': '1' } } },
  );
  assert.deepEqual(built.headers, { 'x-extra': '1', 'content-type': 'application/json', 'x-goog-api-key': 'k' });
});

test('malformed bodies are a 502', () => {
  assert.throws(
    () => geminiProvider.chat.parseResponse('nope', ctx()),
    (e: unknown) => e instanceof GatewayError && e.status === 502,
  );
  assert.throws(
    () => geminiProvider.chat.parseResponse({ candidates: {} }, ctx()),
    (e: unknown) => e instanceof GatewayError && e.status === 502,
  );
});
