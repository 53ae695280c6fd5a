// The sink behind a real HTTP server, read by the official Anthropic SDK:
// what an Anthropic client sees of the gateway's answers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { errorBody } from '../send-json';
import type { ChatChunk, ChatCompletion, ChatRequest, Usage } from '../../openai/types';
import { AnthropicRequestError } from './errors';
import { anthropicSink, sendAnthropicError } from './sink';
import { parseAnthropicRequest } from './to-openai-request';

const dir = join(__dirname, '__fixtures__');
const streamFixture: { chunks: ChatChunk[]; usage: Usage; last: { id: string; created: number; model: string } } = JSON.parse(
  readFileSync(join(dir, 'stream-text-parallel-tools.chunks.json'), 'utf8'),
);
const toolAnswer: ChatCompletion = JSON.parse(readFileSync(join(dir, 'response-tool-use.json'), 'utf8')).openai;
const signedAnswer: ChatCompletion = JSON.parse(readFileSync(join(dir, 'response-provider-state.json'), 'utf8')).openai;
const signedStream: typeof streamFixture = JSON.parse(readFileSync(join(dir, 'stream-provider-state.chunks.json'), 'utf8'));
const headers = { 'x-request-id': 'req_gateway_1', 'x-gateway-endpoint': 'agent' };

/** What the gateway pipeline would do, driven by the last user text of the request. */
// The sink's promises are left to run: the client under test waits for the response to end.
function scenario(chat: ChatRequest, res: ServerResponse): void {
  const sink = anthropicSink(res, chat);
  const said = chat.messages.at(-1)?.content;
  switch (said) {
    case 'stream tools':
      sink.open(headers);
      for (const c of streamFixture.chunks) sink.chunk(c);
      void sink.close(streamFixture.usage, streamFixture.last);
      return;
    case 'whole tools':
      void sink.completion(toolAnswer, headers);
      return;
    case 'whole signed':
      void sink.completion(signedAnswer, headers);
      return;
    case 'stream signed':
      sink.open(headers);
      for (const c of signedStream.chunks) sink.chunk(c);
      void sink.close(signedStream.usage, signedStream.last);
      return;
    case 'echo state': {
      // What a provider would get: the provider_state restored on the assistant turn before.
      const state = [...chat.messages].reverse().find((m) => m.role === 'assistant')?.provider_state ?? null;
      void sink.completion(
        { ...signedAnswer, choices: [{ index: 0, message: { role: 'assistant', content: JSON.stringify(state) }, finish_reason: 'stop' }] },
        headers,
      );
      return;
    }
    case 'rate limited':
      sink.error(429, errorBody('OpenAI rate limit reached', 'rate_limit_exceeded', 'rate_limit_exceeded'), { ...headers, 'retry-after': '0' });
      return;
    case 'overloaded':
      sink.error(
        503,
        errorBody('All 2 attempts failed; the last one: Gemini is temporarily overloaded', 'service_unavailable', 'provider_overloaded'),
        headers,
      );
      return;
    case 'break mid-stream':
      sink.open(headers);
      sink.chunk(streamFixture.chunks[1]!);
      sink.streamError(errorBody('OpenAI ended the stream before the answer was complete', 'upstream_error', 'stream_truncated'));
      return;
    default:
      sink.error(500, errorBody(`unknown scenario ${JSON.stringify(said)}`, 'server_error', null), headers);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let raw = '';
  for await (const part of req) raw += part;
  if (req.method !== 'POST' || req.url !== '/v1/messages') {
    sendAnthropicError(res, 404, errorBody(`Unknown API path: ${req.method} ${req.url}`, 'invalid_request_error', 'unknown_url'), headers);
    return;
  }
  let chat: ChatRequest;
  try {
    chat = parseAnthropicRequest(JSON.parse(raw));
  } catch (err) {
    if (!(err instanceof AnthropicRequestError)) throw err;
    sendAnthropicError(res, err.status, errorBody(err.message, err.type, 'invalid_request', err.param), headers);
    return;
  }
  scenario(chat, res);
}

describe('the official Anthropic SDK reads the sink', () => {
  let server: Server;
  let client: Anthropic;

  before(async () => {
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'x', maxRetries: 0 });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const tools: Anthropic.Tool[] = [
    { name: 'get_weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { location: { type: 'string' } } } },
  ];
  const expectedContent = [
    { type: 'text', text: 'Checking both cities.' },
    { type: 'tool_use', id: 'call_sf', name: 'get_weather', input: { location: 'San Francisco, CA' } },
    { type: 'tool_use', id: 'call_ny', name: 'get_weather', input: { location: 'New York, NY' } },
  ];

  test('messages.stream(): finalMessage() has the text and both tool_use blocks with parsed input', async () => {
    const stream = client.messages.stream({ model: 'agent', max_tokens: 256, tools, messages: [{ role: 'user', content: 'stream tools' }] });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const message = await stream.finalMessage();
    assert.equal(texts.join(''), 'Checking both cities.');
    assert.equal(message.id, 'msg_stream1');
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(
      message.content.map((b) => ({ ...b })),
      expectedContent,
    );
    assert.equal(message.usage.input_tokens, 472);
    assert.equal(message.usage.output_tokens, 91);
  });

  test('messages.create({stream: true}) yields the raw events in order', async () => {
    const events = await client.messages.create({ model: 'agent', max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'stream tools' }] });
    const types: string[] = [];
    for await (const e of events) types.push(e.type);
    assert.deepEqual(types, [
      'message_start',
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      ...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
      'message_delta',
      'message_stop',
    ]);
  });

  test('messages.create(): the whole answer with tool_use input parsed', async () => {
    const message = await client.messages.create({ model: 'agent', max_tokens: 256, tools, messages: [{ role: 'user', content: 'whole tools' }] });
    assert.equal(message.type, 'message');
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message._request_id, 'req_gateway_1');
    assert.deepEqual(message.content, [
      { type: 'text', text: "I'll check the weather in both cities." },
      { type: 'tool_use', id: 'call_sf', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
      { type: 'tool_use', id: 'call_ny', name: 'get_weather', input: { location: 'New York, NY' } },
    ]);
    assert.deepEqual(message.usage, { input_tokens: 472, output_tokens: 91 });
  });

  // The round trip a Gemini tool turn needs: the client gets the gateway's
  // redacted_thinking block, keeps it in the content it sends back, and the
  // gateway reads the provider_state out of it.
  const streamedState = { gemini: { toolCallSignatures: { call_1: 'CiQB0e2Kb1sigParis==', call_2: 'CiQB0e2Kb1sigTokyo==' }, textSignature: 'EjQKMgEMtext==' } };

  test('messages.stream(): finalMessage() keeps the redacted_thinking block, and sending the content back restores provider_state', async () => {
    const first: Anthropic.MessageParam = { role: 'user', content: 'stream signed' };
    const final = await client.messages.stream({ model: 'agent', max_tokens: 256, tools, messages: [first] }).finalMessage();
    assert.deepEqual(
      final.content.map((b) => b.type),
      ['text', 'tool_use', 'tool_use', 'redacted_thinking'],
    );
    const block = final.content[3] as Anthropic.RedactedThinkingBlock;
    assert.match(block.data, /^llmgw1\./);
    const echoed = await client.messages.create({
      model: 'agent',
      max_tokens: 256,
      tools,
      messages: [first, { role: 'assistant', content: final.content }, { role: 'user', content: 'echo state' }],
    });
    assert.deepEqual(JSON.parse((echoed.content[0] as Anthropic.TextBlock).text), streamedState);
  });

  test('messages.create(): the redacted_thinking block comes first and round-trips', async () => {
    const first: Anthropic.MessageParam = { role: 'user', content: 'whole signed' };
    const message = await client.messages.create({ model: 'agent', max_tokens: 256, tools, messages: [first] });
    assert.deepEqual(
      message.content.map((b) => b.type),
      ['redacted_thinking', 'text', 'tool_use'],
    );
    const echoed = await client.messages.create({
      model: 'agent',
      max_tokens: 256,
      tools,
      messages: [first, { role: 'assistant', content: message.content }, { role: 'user', content: 'echo state' }],
    });
    assert.deepEqual(JSON.parse((echoed.content[0] as Anthropic.TextBlock).text), signedAnswer.choices[0]?.message.provider_state);
  });

  test('a tampered gateway block is a 400 BadRequestError naming its data field', async () => {
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'whole signed' },
      {
        role: 'assistant',
        content: [
          { type: 'redacted_thinking', data: 'llmgw1.not*base64' },
          { type: 'text', text: 'x' },
        ],
      },
      { role: 'user', content: 'echo state' },
    ];
    await assert.rejects(client.messages.create({ model: 'agent', max_tokens: 16, messages }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      assert.match((err.error as { error: { message: string } }).error.message, /^messages\[1\]\.content\[0\]\.data: malformed gateway state/);
      return true;
    });
  });

  test('a 429 is the SDK RateLimitError with rate_limit_error', async () => {
    await assert.rejects(client.messages.create({ model: 'agent', max_tokens: 16, messages: [{ role: 'user', content: 'rate limited' }] }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.RateLimitError, String(err));
      assert.equal(err.status, 429);
      assert.equal(err.requestID, 'req_gateway_1');
      assert.deepEqual(err.error, { type: 'error', error: { type: 'rate_limit_error', message: 'OpenAI rate limit reached' }, request_id: 'req_gateway_1' });
      return true;
    });
  });

  test('a 503 keeps its status and is overloaded_error', async () => {
    await assert.rejects(client.messages.create({ model: 'agent', max_tokens: 16, messages: [{ role: 'user', content: 'overloaded' }] }), (err: unknown) => {
      assert.ok(err instanceof Anthropic.InternalServerError, String(err));
      assert.equal(err.status, 503);
      assert.equal((err.error as { error: { type: string } }).error.type, 'overloaded_error');
      return true;
    });
  });

  test('an invalid request is a 400 BadRequestError naming the field', async () => {
    const bad = {
      model: 'agent',
      max_tokens: 16,
      messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }],
    } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    await assert.rejects(client.messages.create(bad), (err: unknown) => {
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      const body = err.error as { error: { type: string; message: string } };
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, /^messages\[0\]\.content\[0\]\.type: "video" is not a supported type/);
      return true;
    });
  });

  test('an error after the stream started reaches the SDK as an APIError with api_error', async () => {
    const stream = client.messages.stream({ model: 'agent', max_tokens: 16, messages: [{ role: 'user', content: 'break mid-stream' }] });
    await assert.rejects(stream.finalMessage(), (err: unknown) => {
      assert.ok(err instanceof Anthropic.APIError, String(err));
      assert.equal((err.error as { error: { type: string } }).error.type, 'api_error');
      assert.match(err.message, /ended the stream before the answer was complete/);
      return true;
    });
  });
});
