// The Anthropic Messages API as an ingress: the official @anthropic-ai/sdk
// client against POST /gateway/anthropic/v1/messages, routed to providers
// that are not Anthropic. Same endpoints, routing and traces as the OpenAI
// ingress; the providers' native requests are read back with the same
// conformance rows. Every row of providers.ts is a destination here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { waitFor } from '../stack';
import { chatEndpoint, lastRequest, startConformance, type Conformance } from './harness';
import { PROVIDERS } from './providers';

const ROWS = PROVIDERS;

/**
 * Cases that fail because of a translation bug, each with what is wrong and
 * where; they run as todo so the suite stays green while the bug is open.
 */
const KNOWN_ISSUES: Record<string, string> = {};

let conf: Conformance;
let client: Anthropic;

before(async () => {
  conf = await startConformance(ROWS);
  client = new Anthropic({ baseURL: conf.stack.anthropicBaseUrl, apiKey: 'dummy', maxRetries: 0 });
});

after(async () => {
  await conf?.close();
});

const TOOL_CALLS = [
  { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
  { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
];

const TOOLS: Anthropic.Tool[] = [
  {
    name: 'get_weather',
    description: 'Current weather in a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'get_time',
    description: 'Current time in a timezone',
    input_schema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
  },
];

const TOOL_RESULTS = ['{"temperature":18}', '{"time":"14:05"}'];

async function traceOf(id: string): Promise<Record<string, unknown>> {
  return waitFor(
    `trace ${id}`,
    async () => {
      const res = await conf.stack.api<Record<string, unknown>>('GET', `/api/v1/traces/${id}`);
      return res.status === 200 ? res.body : undefined;
    },
    5000,
  );
}

function checkUsage(usage: Anthropic.Usage, where: string): void {
  assert.ok(Number.isInteger(usage.input_tokens) && usage.input_tokens > 0, `${where}: usage.input_tokens`);
  assert.ok(Number.isInteger(usage.output_tokens) && usage.output_tokens > 0, `${where}: usage.output_tokens`);
}

for (const row of ROWS) {
  const known = (scenario: string) => KNOWN_ISSUES[`${row.id}:${scenario}`];

  describe(`anthropic ingress -> ${row.id}`, () => {
    const model = chatEndpoint(row.id);
    const fake = () => conf.fake(row.id);
    const prompt = `Anthropic client to ${row.id}: hello`;

    test('a message, routed to the provider, with a trace marked ingress anthropic', { todo: known('message') }, async () => {
      const { data, response, request_id } = await client.messages
        .create({ model, max_tokens: 256, messages: [{ role: 'user', content: prompt }], metadata: { user_id: 'anthropic-sdk-user' } })
        .withResponse();
      assert.equal(data.type, 'message');
      assert.equal(data.role, 'assistant');
      assert.match(data.id, /^msg_/);
      assert.deepEqual(
        data.content.map((b) => (b.type === 'text' ? { type: b.type, text: b.text } : b)),
        [{ type: 'text', text: `echo: ${prompt}` }],
      );
      assert.equal(data.stop_reason, 'end_turn');
      assert.equal(data.stop_sequence ?? null, null);
      checkUsage(data.usage, 'message');
      assert.match(lastRequest(fake()).path, row.paths.chat);
      assert.equal(response.headers.get('x-gateway-provider'), row.id);

      const id = response.headers.get('x-request-id');
      assert.ok(id, 'x-request-id header');
      assert.equal(request_id, id, 'the SDK reads the same id from request-id');
      const trace = await traceOf(id);
      assert.equal(trace.ingress, 'anthropic');
      assert.equal(trace.endpoint, model);
      assert.equal(trace.provider, row.id);
      assert.equal(trace.status, 200);
      assert.equal(trace.stream, false);
      assert.equal(trace.user, 'anthropic-sdk-user');
      assert.ok((trace.usage as { totalTokens: number }).totalTokens > 0);
    });

    test('a stream: text events and a final message equal to the whole answer', { todo: known('stream') }, async () => {
      const stream = client.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: prompt }] });
      const pieces: string[] = [];
      stream.on('text', (t) => pieces.push(t));
      const final = await stream.finalMessage();
      assert.ok(pieces.filter((p) => p !== '').length >= 2, `several text deltas (${pieces.length})`);
      assert.equal(pieces.join(''), `echo: ${prompt}`);
      assert.equal(final.content.length, 1);
      assert.equal(final.content[0]!.type, 'text');
      assert.equal((final.content[0] as Anthropic.TextBlock).text, `echo: ${prompt}`);
      assert.equal(final.stop_reason, 'end_turn');
      checkUsage(final.usage, 'stream');
      assert.match(lastRequest(fake()).path, row.paths.stream);
      const id = stream.request_id;
      assert.ok(id, 'the stream carries a request id');
      const trace = await traceOf(id);
      assert.equal(trace.ingress, 'anthropic');
      assert.equal(trace.stream, true);
      assert.equal(trace.provider, row.id);
    });

    // Gemini's thought signatures (provider_state) reach an Anthropic client as
    // one redacted_thinking block (plugin/ingress/anthropic/provider-state.ts):
    // first in a whole message, last in a stream. Other rows carry no state.
    const carriesState = row.id === 'gemini';

    test('tool_use: two tool_use blocks whole and streamed, then tool_result turn', { todo: known('tools') }, async () => {
      // Queued right before each call, so a failed assertion leaves nothing queued for the next test.
      fake().enqueue({ kind: 'ok', toolCalls: TOOL_CALLS });
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];
      const whole = await client.messages.create({ model, max_tokens: 256, messages, tools: TOOLS });
      assert.equal(whole.stop_reason, 'tool_use');
      const uses = whole.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      assert.deepEqual(
        uses.map((u) => [u.name, u.input]),
        TOOL_CALLS.map((c) => [c.name, JSON.parse(c.arguments)]),
      );
      assert.ok(
        uses.every((u) => typeof u.id === 'string' && u.id.length > 0),
        'every tool_use has an id',
      );
      assert.equal(new Set(uses.map((u) => u.id)).size, 2, 'distinct ids');

      fake().enqueue({ kind: 'ok', toolCalls: TOOL_CALLS });
      const streamed = await client.messages.stream({ model, max_tokens: 256, messages, tools: TOOLS }).finalMessage();
      assert.equal(streamed.stop_reason, 'tool_use');
      const streamedUses = streamed.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      assert.deepEqual(
        streamedUses.map((u) => [u.name, u.input]),
        uses.map((u) => [u.name, u.input]),
        "streamed inputs equal the whole answer's",
      );
      assert.ok(
        streamedUses.every((u) => typeof u.id === 'string' && u.id.length > 0),
        'every streamed tool_use has an id',
      );
      if (row.deterministicToolIds)
        assert.deepEqual(
          streamedUses.map((u) => u.id),
          uses.map((u) => u.id),
        );
      const opaque = (content: Anthropic.ContentBlock[]) => content.filter((b) => b.type === 'redacted_thinking').length;
      assert.equal(opaque(whole.content), carriesState ? 1 : 0, 'redacted_thinking blocks in the whole answer');
      assert.equal(opaque(streamed.content), carriesState ? 1 : 0, 'redacted_thinking blocks in the streamed answer');
      if (carriesState) {
        assert.equal(whole.content[0]?.type, 'redacted_thinking', 'the state block comes first in a whole answer');
        assert.equal(streamed.content.at(-1)?.type, 'redacted_thinking', 'the state block comes last in a stream');
      }

      // Follow-up: the assistant content goes back unchanged, the results in one user turn.
      const final = await client.messages.create({
        model,
        max_tokens: 256,
        tools: TOOLS,
        messages: [
          ...messages,
          { role: 'assistant', content: whole.content },
          { role: 'user', content: uses.map((u, i) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: TOOL_RESULTS[i]! })) },
        ],
      });
      assert.equal(final.stop_reason, 'end_turn');
      assert.equal(final.content[0]?.type, 'text');

      const sent = lastRequest(fake()).body;
      const turn = row.toolTurn(sent);
      assert.deepEqual(
        turn.calls.map((c) => [c.name, c.args]),
        TOOL_CALLS.map((c) => [c.name, JSON.parse(c.arguments)]),
      );
      assert.equal(turn.results.length, 2);
      turn.results.forEach((r, i) => assert.deepEqual(JSON.parse(r.content), JSON.parse(TOOL_RESULTS[i]!), `tool result ${i}`));
      if (row.toolCallIds === 'kept')
        assert.deepEqual(
          turn.results.map((r) => r.id),
          uses.map((u) => u.id),
        );
      if (row.toolCallIds === 'none')
        assert.deepEqual(
          turn.results.map((r) => r.name),
          TOOL_CALLS.map((c) => c.name),
        );
      row.checkToolTurn?.(sent);

      if (carriesState) {
        // The streamed answer's block goes back the same way (its tool ids are its own).
        const again = await client.messages.create({
          model,
          max_tokens: 256,
          tools: TOOLS,
          messages: [
            ...messages,
            { role: 'assistant', content: streamed.content },
            { role: 'user', content: streamedUses.map((u, i) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: TOOL_RESULTS[i]! })) },
          ],
        });
        assert.equal(again.stop_reason, 'end_turn');
        row.checkToolTurn?.(lastRequest(fake()).body);
      }
    });
  });
}
