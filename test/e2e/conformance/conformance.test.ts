// One conversation, every provider: the same scenarios through the Kong
// driver with the official OpenAI SDK, for each row of providers.ts. The
// answers are checked by the one shared checker (openai-shape.ts) against one
// expected value, so every provider must give OpenAI clients the same thing;
// what reached the provider is checked in its native format from the fake's
// request log.
//
// Provider errors: endpoints allow one attempt (harness.ts), so the client
// sees the gateway's mapping of the provider's status directly (429 stays
// 429 rate_limit_exceeded, 500 becomes 502). Retries and Retry-After waits
// are the fallback suite's subject (test/e2e/fallback.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { chatEndpoint, embeddingsEndpoint, lastRequest, startConformance, type Conformance } from './harness';
import {
  assertSameVectors,
  checkEmbeddings,
  collectStream,
  expectedTextCompletion,
  expectedToolCompletion,
  normalizeCompletion,
  streamedAsToolCalls,
} from './openai-shape';
import { PROVIDERS } from './providers';

/**
 * Cases that fail because of a bug, each with expected vs actual and where;
 * they run as todo (reported, not failing the suite) while the bug is open.
 */
const KNOWN_ISSUES: Record<string, string> = {};

let conf: Conformance;

before(async () => {
  conf = await startConformance(PROVIDERS);
});

after(async () => {
  await conf?.close();
});

const TOOL_CALLS = [
  { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
  { name: 'get_time', arguments: '{"timezone":"Europe/Paris","format":{"hours":24}}' },
];

const TOOLS: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Current time in a timezone',
      parameters: {
        type: 'object',
        properties: { timezone: { type: 'string' }, format: { type: 'object', properties: { hours: { type: 'integer' } } } },
        required: ['timezone'],
      },
    },
  },
];

const TOOL_RESULTS = ['{"temperature":18,"sky":"sunny"}', '{"time":"14:05"}'];

const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temperature: { type: 'number' } },
  required: ['city', 'temperature'],
  additionalProperties: false,
};

for (const row of PROVIDERS) {
  const known = (scenario: string) => KNOWN_ISSUES[`${row.id}:${scenario}`];

  describe(row.id, () => {
    const model = chatEndpoint(row.id);
    const fake = () => conf.fake(row.id);
    const prompt = `Conformance check for ${row.id}: say something`;
    let whole: OpenAI.ChatCompletion | undefined;

    test('plain chat: content from the request, finish_reason stop, consistent usage', { todo: known('plain') }, async () => {
      const { data, response } = await conf.client.chat.completions.create({ model, messages: [{ role: 'user', content: prompt }] }).withResponse();
      assert.deepEqual(normalizeCompletion(data), expectedTextCompletion(`echo: ${prompt}`));
      whole = data;
      assert.equal(response.headers.get('x-gateway-provider'), row.id);
      assert.equal(response.headers.get('x-gateway-endpoint'), model);
      const sent = lastRequest(fake());
      assert.match(sent.path, row.paths.chat);
      // Providers that name the model in the body get the destination's model (the others have it in the path).
      if (sent.body.model !== undefined) assert.equal(sent.body.model, row.chat.model);
    });

    test('stream: several chunks, the same text as the whole answer, one stop, a usage chunk', { todo: known('stream') }, async () => {
      const stream = await conf.client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: prompt }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const got = await collectStream(stream, true, `${row.id} stream`);
      assert.ok(got.contentChunks >= 2, `several content chunks (${got.contentChunks})`);
      assert.equal(got.text, `echo: ${prompt}`);
      assert.equal(got.finishReason, 'stop');
      // The fakes count tokens deterministically, so the same prompt costs the same whole or streamed.
      if (whole) assert.deepEqual(got.usage, whole.usage, 'the stream reports the same usage as the whole answer');
      assert.match(lastRequest(fake()).path, row.paths.stream);
    });

    test('tool calls: two parallel calls, whole and streamed, then the tool results turn', { todo: known('tools') }, async () => {
      // Queued right before each call, so a failed assertion leaves nothing queued for the next test.
      fake().enqueue({ kind: 'ok', toolCalls: TOOL_CALLS });
      const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather and the time in Paris?' }];
      const answer = await conf.client.chat.completions.create({ model, messages, tools: TOOLS });
      assert.deepEqual(normalizeCompletion(answer), expectedToolCompletion(TOOL_CALLS));
      const wholeCalls = answer.choices[0]!.message.tool_calls!;
      assert.equal(new Set(wholeCalls.map((c) => c.id)).size, 2, 'distinct tool-call ids');

      // No include_usage here: the stream must then carry no usage at all.
      fake().enqueue({ kind: 'ok', toolCalls: TOOL_CALLS });
      const stream = await conf.client.chat.completions.create({ model, messages, tools: TOOLS, stream: true });
      const streamed = await collectStream(stream, false, `${row.id} tool stream`);
      assert.equal(streamed.finishReason, 'tool_calls');
      const reassembled = streamedAsToolCalls(streamed.toolCalls);
      assert.deepEqual(
        reassembled.map((c) => [c.type, c.function.name, c.function.arguments]),
        wholeCalls.map((c) => [c.type, c.type === 'function' ? c.function.name : '', c.type === 'function' ? c.function.arguments : '']),
        "streamed names and arguments are exactly the whole answer's",
      );
      assert.equal(new Set(reassembled.map((c) => c.id)).size, 2, 'distinct streamed tool-call ids');
      if (row.deterministicToolIds) {
        assert.deepEqual(
          reassembled.map((c) => c.id),
          wholeCalls.map((c) => c.id),
          "the provider's ids come through the stream exactly",
        );
      }

      // Follow-up: the assistant message goes back as received (as SDK users do), with both results.
      const assistant = answer.choices[0]!.message;
      const followUp: OpenAI.ChatCompletionMessageParam[] = [
        ...messages,
        assistant,
        { role: 'tool', tool_call_id: wholeCalls[0]!.id, content: TOOL_RESULTS[0]! },
        { role: 'tool', tool_call_id: wholeCalls[1]!.id, content: TOOL_RESULTS[1]! },
      ];
      const final = await conf.client.chat.completions.create({ model, messages: followUp, tools: TOOLS });
      assert.equal(final.choices[0]!.finish_reason, 'stop');
      assert.equal(typeof final.choices[0]!.message.content, 'string');

      const sent = lastRequest(fake()).body;
      const turn = row.toolTurn(sent);
      assert.deepEqual(
        turn.calls.map((c) => [c.name, c.args]),
        TOOL_CALLS.map((c) => [c.name, JSON.parse(c.arguments)]),
        "the assistant tool calls go back in the provider's format",
      );
      assert.equal(turn.results.length, 2, "both tool results in the provider's position for them");
      turn.results.forEach((r, i) => assert.deepEqual(JSON.parse(r.content), JSON.parse(TOOL_RESULTS[i]!), `tool result ${i} content`));
      if (row.toolCallIds === 'kept') {
        assert.deepEqual(
          turn.calls.map((c) => c.id),
          wholeCalls.map((c) => c.id),
          "the client's tool-call ids go upstream unchanged",
        );
        assert.deepEqual(
          turn.results.map((r) => r.id),
          wholeCalls.map((c) => c.id),
          'each result names its call',
        );
      } else if (row.toolCallIds === 'mapped') {
        assert.deepEqual(
          turn.results.map((r) => r.id),
          turn.calls.map((c) => c.id),
          'each result names its call with the mapped id',
        );
        assert.equal(new Set(turn.calls.map((c) => c.id)).size, 2, 'mapped ids stay distinct');
      } else {
        // No ids on the wire: results are matched by function name.
        assert.deepEqual(
          turn.results.map((r) => r.name),
          TOOL_CALLS.map((c) => c.name),
          'each result names its function',
        );
      }
      row.checkToolTurn?.(sent);
    });

    const schemaCase = row.jsonSchema;
    test("json_schema answer: the provider's native structured-output mode", { todo: known('json_schema') }, async () => {
      const request: OpenAI.ChatCompletionCreateParamsNonStreaming = {
        model,
        messages: [{ role: 'user', content: 'Weather report for Paris as JSON' }],
        response_format: { type: 'json_schema', json_schema: { name: 'weather_report', schema: WEATHER_SCHEMA, strict: true } },
      };
      const answer = '{"city":"Paris","temperature":18}';
      fake().enqueue({ kind: 'ok', text: answer });
      const res = await conf.client.chat.completions.create(request);
      assert.deepEqual(normalizeCompletion(res), expectedTextCompletion(answer));
      assert.deepEqual(JSON.parse(res.choices[0]!.message.content!), { city: 'Paris', temperature: 18 });
      schemaCase.check(lastRequest(fake()).body, WEATHER_SCHEMA);
    });

    test('provider errors: 429 stays 429 rate_limit_exceeded, 500 becomes 502', { todo: known('errors') }, async () => {
      const before = fake().requests.length;
      fake().enqueue({ kind: 'status', status: 429, retryAfterSeconds: 7 });
      await assert.rejects(conf.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'rate limit me' }] }), (err: APIError) => {
        assert.equal(err.status, 429);
        assert.equal(err.code, 'rate_limit_exceeded');
        assert.equal(err.type, 'rate_limit_exceeded');
        assert.match(err.message, /rate limit/i);
        assert.equal(err.headers?.get('x-gateway-attempts'), '1');
        return true;
      });
      fake().enqueue({ kind: 'status', status: 500, message: 'the fake broke' });
      await assert.rejects(conf.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'break' }] }), (err: APIError) => {
        assert.equal(err.status, 502);
        assert.equal(err.type, 'upstream_error');
        assert.equal(err.code, 'provider_error');
        return true;
      });
      assert.equal(fake().requests.length, before + 2, 'one provider call per request: no retry on a single-attempt endpoint');
    });

    if (row.embeddings) {
      test("embeddings: float and the SDK's default base64 give the same vectors", { todo: known('embeddings') }, async () => {
        const endpoint = embeddingsEndpoint(row.id);
        const input = ['the first text', 'the second text'];
        const floats = checkEmbeddings(await conf.client.embeddings.create({ model: endpoint, input, encoding_format: 'float' }), 2, `${row.id} float`);
        assert.match(lastRequest(fake()).path, row.paths.embeddings!);
        // Without encoding_format the SDK asks for base64 and decodes it to floats.
        const decoded = checkEmbeddings(await conf.client.embeddings.create({ model: endpoint, input }), 2, `${row.id} base64`);
        assertSameVectors(decoded, floats, `${row.id} base64 vs float`);
        const raw = await conf.client.embeddings.create({ model: endpoint, input, encoding_format: 'base64' });
        raw.data.forEach((d, i) => {
          assert.equal(typeof d.embedding, 'string', 'base64 stays a string when asked for explicitly');
          const bytes = Buffer.from(d.embedding as unknown as string, 'base64');
          assert.equal(bytes.length, floats[i]!.length * 4, 'little-endian float32 per dimension');
        });
      });
    }
  });
}
