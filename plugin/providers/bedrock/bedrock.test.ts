import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ChatChunk, ChatRequest } from '../../openai/types';
import { GatewayError, type ResponseContext, type Target } from '../contract';
import { decodeAll } from '../shared/decode-stream-framing';
import { bedrockProvider } from './index';
import { JSON_OBJECT_INSTRUCTION } from '../shared/json-object-instruction';
import { toolCallInput } from '../../openai/tool-call-input';

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1_700_000_000, model: 'bedrock-test', newId: () => `call_${++n}` };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1' };
const target: Target = { provider: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0', credentials, options: {} };

/** SigV4 written out from the AWS specification, to check the library is used right. */
function referenceSignature(
  req: { method: string; url: string; headers: Record<string, string>; body: string },
  secret: string,
  region: string,
  date: Date,
): { signedHeaders: string; signature: string } {
  const url = new URL(req.url);
  const amzDate = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers = Object.fromEntries(Object.entries({ ...req.headers, host: url.host }).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const names = Object.keys(headers)
    .filter((n) => n !== 'authorization')
    .sort();
  // Non-S3 services: each path segment is URI-encoded again.
  const canonicalPath = url.pathname
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
  const canonical = [
    req.method,
    canonicalPath,
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    names.join(';'),
    crypto.createHash('sha256').update(req.body).digest('hex'),
  ].join('\n');
  const scope = `${day}/${region}/bedrock/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, crypto.createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: crypto.BinaryLike, data: string) => crypto.createHmac('sha256', key).update(data).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 'bedrock'), 'aws4_request');
  return { signedHeaders: names.join(';'), signature: crypto.createHmac('sha256', key).update(toSign).digest('hex') };
}

test('sign(): SigV4 with an injected clock matches the known vector and the specification', async () => {
  const now = new Date('2024-01-01T00:00:00Z');
  const req = bedrockProvider.chat.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, target);
  const signed = await bedrockProvider.sign!(req, target, now);
  assert.equal(signed.headers['x-amz-date'], '20240101T000000Z');
  const { authorization, ...sent } = signed.headers;
  assert.equal(sent['x-amz-content-sha256'], crypto.createHash('sha256').update(String(req.body)).digest('hex'));
  const ref = referenceSignature({ method: 'POST', url: req.url, headers: sent, body: String(req.body) }, credentials.secretAccessKey, 'us-east-1', now);
  assert.equal(ref.signedHeaders, 'accept;content-type;host;x-amz-content-sha256;x-amz-date');
  assert.equal(
    authorization,
    `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/bedrock/aws4_request, SignedHeaders=${ref.signedHeaders}, Signature=${ref.signature}`,
  );
  // Known vector, computed by @smithy/signature-v4 and equal to the reference computation above.
  assert.match(authorization, /Signature=9c565e7ff44417abb405ce7e1158594ff544016cf02af27733c6da3eef772e3e$/);
  // The same input signs the same way twice (no hidden clock).
  assert.deepEqual(await bedrockProvider.sign!(req, target, now), signed);
});

test('sign(): session token is sent and signed; an ARN model id is double-encoded in the canonical path', async () => {
  const now = new Date('2024-06-15T12:34:56Z');
  const t: Target = {
    ...target,
    model: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b-instruct-v1:0',
    credentials: { ...credentials, sessionToken: 'SESSION' },
  };
  const req = bedrockProvider.chat.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true }, t);
  assert.equal(
    new URL(req.url).pathname,
    '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.meta.llama3-2-1b-instruct-v1%3A0/converse-stream',
  );
  const signed = await bedrockProvider.sign!(req, t, now);
  assert.equal(signed.headers['x-amz-security-token'], 'SESSION');
  const { authorization: _a, ...sent } = signed.headers;
  const ref = referenceSignature({ method: 'POST', url: req.url, headers: sent, body: String(req.body) }, credentials.secretAccessKey, 'us-east-1', now);
  assert.ok(ref.signedHeaders.includes('x-amz-security-token'));
  assert.match(signed.headers.authorization!, new RegExp(`SignedHeaders=${ref.signedHeaders}, Signature=${ref.signature}$`));
});

test('sign(): a Bedrock API key is a bearer token and is not signed; no credentials is a configuration error', async () => {
  const t: Target = { ...target, credentials: { apiKey: 'bedrock-api-key', region: 'us-east-1' } };
  const req = bedrockProvider.chat.buildRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, t);
  assert.equal(req.headers.authorization, 'Bearer bedrock-api-key');
  assert.deepEqual(await bedrockProvider.sign!(req, t, new Date(0)), req);
  await assert.rejects(
    bedrockProvider.sign!(req, { ...target, credentials: { region: 'us-east-1' } }, new Date(0)),
    (e: unknown) => e instanceof GatewayError && e.status === 500,
  );
});

test('streamed tool-call arguments reassemble to exactly the non-streamed arguments', () => {
  const dir = path.join(__dirname, '__fixtures__');
  const fixture = JSON.parse(fs.readFileSync(path.join(dir, 'tool-use.json'), 'utf8'));
  const whole = bedrockProvider.chat.parseResponse(fixture.upstreamResponse, ctx());
  const bytes = Buffer.concat(
    fs
      .readFileSync(path.join(dir, 'tool-use.chunks.txt'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => Buffer.from(l, 'base64')),
  );
  const transformer = bedrockProvider.chat.createStreamTransformer(ctx(), fixture.request as ChatRequest);
  const chunks: ChatChunk[] = decodeAll('aws-eventstream', bytes).flatMap((e) => transformer.push(e));
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const c of chunks) {
    for (const d of c.choices[0]?.delta.tool_calls ?? []) {
      const call = (calls[d.index] ??= { id: '', name: '', arguments: '' });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      call.arguments += d.function?.arguments ?? '';
    }
  }
  assert.deepEqual(
    calls,
    whole.choices[0]!.message.tool_calls!.map((t) => ({ id: t.id, name: toolCallInput(t).name, arguments: toolCallInput(t).text })),
  );
});

test('json_object (no schema-less JSON mode in Converse) becomes a system instruction', () => {
  const built = bedrockProvider.chat.buildRequest(
    {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
      response_format: { type: 'json_object' },
    },
    target,
  );
  const body = JSON.parse(String(built.body));
  assert.deepEqual(body.system, [{ text: 'Be brief.' }, { text: JSON_OBJECT_INSTRUCTION }]);
  assert.equal(body.outputConfig, undefined);
});

test('requests Converse cannot express are a clear 400', () => {
  const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
  const is400 = (param: string) => (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === param;
  assert.throws(() => bedrockProvider.chat.buildRequest({ ...base, n: 2 }, target), is400('n'));
  assert.throws(
    () =>
      bedrockProvider.chat.buildRequest(
        { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
        target,
      ),
    is400('messages[0].content[0].image_url.url'),
  );
});

test('tool_choice none without tool history leaves the tools out', () => {
  const built = bedrockProvider.chat.buildRequest(
    { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'none' },
    target,
  );
  assert.equal(JSON.parse(String(built.body)).toolConfig, undefined);
});

test('errors: exception names decide, upstream status is kept', () => {
  const err = (status: number, type: string, message: string, extra: Record<string, string> = {}) =>
    bedrockProvider.parseError(status, JSON.stringify({ message }), {
      'x-amzn-ErrorType': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      ...extra,
    });
  const throttled = err(429, 'ThrottlingException', 'Too many requests, please wait before trying again.', { 'retry-after': '3' });
  assert.deepEqual([throttled.status, throttled.type, throttled.upstreamStatus, throttled.retryAfterMs], [429, 'rate_limit_exceeded', 429, 3000]);
  const invalid = err(400, 'ValidationException', 'The model returned the following errors: messages: roles must alternate');
  assert.deepEqual([invalid.status, invalid.type], [400, 'invalid_request_error']);
  assert.match(invalid.message, /roles must alternate/);
  const denied = err(403, 'AccessDeniedException', "You don't have access to the model with the specified model ID.");
  assert.deepEqual([denied.status, denied.upstreamStatus], [502, 403]);
  assert.match(denied.message, /credentials/);
  assert.equal(err(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.').status, 502);
  assert.equal(err(503, 'ServiceUnavailableException', 'Service unavailable').status, 503);
  const timeout = err(408, 'ModelTimeoutException', 'Model timed out');
  assert.deepEqual([timeout.status, timeout.upstreamStatus], [504, 408]);
  const notReady = err(429, 'ModelNotReadyException', 'Model is not ready');
  assert.deepEqual([notReady.status, notReady.upstreamStatus], [503, 429]);
  assert.equal(err(400, 'ServiceQuotaExceededException', 'Too many tokens per minute').status, 429);
  assert.equal(err(500, 'InternalServerException', 'boom').status, 502);
  // The body's __type works without the header.
  assert.equal(
    bedrockProvider.parseError(400, JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'bad' }), {}).type,
    'invalid_request_error',
  );
});

test('embeddings: Titan one input per call, Cohere up to 96 (the gateway splits by maxInputs)', () => {
  const embeddings = bedrockProvider.embeddings!;
  const titan: Target = { ...target, model: 'amazon.titan-embed-text-v2:0' };
  assert.equal(embeddings.maxInputs!(titan), 1);
  assert.equal(embeddings.maxInputs!({ ...target, model: 'us.cohere.embed-multilingual-v3' }), 96);
  const one = embeddings.buildRequest({ model: 'e', input: 'hello', dimensions: 256 }, titan);
  assert.equal(one.url, 'https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke');
  assert.deepEqual(JSON.parse(String(one.body)), { inputText: 'hello', dimensions: 256 });
  assert.deepEqual(JSON.parse(String(embeddings.buildRequest({ model: 'e', input: ['only'] }, titan).body)), { inputText: 'only' });
  assert.throws(
    () => embeddings.buildRequest({ model: 'e', input: ['a', 'b'] }, titan),
    (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === 'input',
  );
  const cohere = embeddings.buildRequest({ model: 'e', input: ['a', 'b'] }, { ...target, model: 'cohere.embed-english-v3' });
  assert.deepEqual(JSON.parse(String(cohere.body)), { texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'] });
  assert.throws(
    () => embeddings.buildRequest({ model: 'e', input: 'x' }, { ...target, model: 'meta.llama3' }),
    (e: unknown) => e instanceof GatewayError && e.status === 400,
  );

  const c = { ...ctx(), model: 'amazon.titan-embed-text-v2:0' };
  assert.deepEqual(embeddings.parseResponse({ embedding: [0.1, 0.2], inputTextTokenCount: 3 }, c), {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
    model: 'amazon.titan-embed-text-v2:0',
    usage: { prompt_tokens: 3, total_tokens: 3 },
  });
  assert.equal(embeddings.parseResponse({ id: 'x', embeddings: { float: [[1], [2]] }, response_type: 'embeddings_by_type' }, c).data.length, 2);
  assert.equal(embeddings.parseResponse({ id: 'x', embeddings: [[1], [2], [3]], response_type: 'embeddings_floats' }, c).data.length, 3);
});
