// The conformance table: one row per provider. A row says how to start the
// provider's fake, which secret and destination reach it, where its native
// endpoints are, and how to read the provider's native request back (tool
// turns, JSON mode) so the suite can check what the gateway sent upstream.
// Adding a provider = adding a row; the scenarios in conformance.test.ts and
// anthropic-sdk.test.ts run for every row.
import assert from 'node:assert/strict';
import type { DestinationOptions, ProviderId } from '../../../plugin/contract';
import { startFakeAnthropic } from '../../fake-providers/anthropic';
import { BEDROCK_TEST_CREDENTIALS, startBedrockFake } from '../../fake-providers/bedrock';
import { startCohereFake } from '../../fake-providers/cohere';
import { startGeminiFake } from '../../fake-providers/gemini';
import { startOllamaFake } from '../../fake-providers/ollama';
import { startFakeOpenAI } from '../../fake-providers/openai';
import type { FakeProvider } from '../../fake-providers/scenario';

type Json = Record<string, unknown>;

/** A tool call as the provider's native request carries it in an assistant turn. */
export interface NativeToolCall {
  /** Undefined where the wire format has no ids (Gemini, Ollama match results by name or order). */
  id?: string;
  name: string;
  args: unknown;
}

/** A tool result as the provider's native request carries it. */
export interface NativeToolResult {
  id?: string;
  name?: string;
  content: string;
}

/** How the provider's wire format expresses the follow-up turn of a tool conversation. */
export interface NativeToolTurn {
  calls: NativeToolCall[];
  /** Only the results in the provider's position right after the calls (one turn where the format requires it). */
  results: NativeToolResult[];
}

/** Every provider has a structured-output mode; `check` asserts the native request carries the schema. */
export interface JsonSchemaSupport {
  check(body: Json, schema: Json): void;
}

export interface ConformanceProvider {
  id: ProviderId;
  start(): Promise<FakeProvider>;
  /** Secret value for the control plane; undefined = the destination has no secret (ollama). */
  secret?: Record<string, string>;
  chat: { model: string; options(fakeUrl: string): DestinationOptions };
  embeddings?: { model: string; options(fakeUrl: string): DestinationOptions };
  /** Native paths (with query) the fake must see. */
  paths: { chat: RegExp; stream: RegExp; embeddings?: RegExp };
  /**
   * What happens to the client's tool-call ids upstream: `kept` unchanged,
   * `mapped` to the provider's own id format (consistently between calls and
   * results), `none` when the wire format has no ids.
   */
  toolCallIds: 'kept' | 'mapped' | 'none';
  /** True when the fake mints the same tool-call ids on every request, so a stream's ids must equal the whole answer's. */
  deterministicToolIds: boolean;
  /** Reads the assistant tool calls and the tool results out of the native follow-up request. */
  toolTurn(body: Json): NativeToolTurn;
  /** Extra native checks of the follow-up request (e.g. Gemini's thought signatures going back). */
  checkToolTurn?(body: Json): void;
  jsonSchema: JsonSchemaSupport;
}

// ---- small readers for native bodies (test code: plain property access with asserts) ----

const arr = (v: unknown, what: string): Json[] => {
  assert.ok(Array.isArray(v), `${what} is an array (got ${JSON.stringify(v)})`);
  return v as Json[];
};
const obj = (v: unknown, what: string): Json => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is an object (got ${JSON.stringify(v)})`);
  return v as Json;
};
const textOf = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return (content as Json[])
      .map((p) => (typeof p.text === 'string' ? p.text : typeof (p.document as Json | undefined)?.data === 'string' ? String((p.document as Json).data) : ''))
      .join('');
  }
  return JSON.stringify(content);
};

/** OpenAI wire (openai, azure-openai, openai-compatible, mistral; cohere v2 is the same shape). */
function openAIToolTurn(body: Json): NativeToolTurn {
  const messages = arr(body.messages, 'messages');
  const a = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls));
  assert.ok(a >= 0, 'an assistant message with tool_calls');
  const calls = arr(messages[a]!.tool_calls, 'tool_calls').map((c) => {
    const fn = obj(c.function, 'tool_calls[].function');
    return { id: String(c.id), name: String(fn.name), args: JSON.parse(String(fn.arguments)) as unknown };
  });
  const results: NativeToolResult[] = [];
  for (const m of messages.slice(a + 1)) {
    if (m.role !== 'tool') break;
    results.push({ id: String(m.tool_call_id), content: textOf(m.content) });
  }
  return { calls, results };
}

function openAIJsonSchema(body: Json, schema: Json): void {
  const format = obj(body.response_format, 'response_format');
  assert.equal(format.type, 'json_schema');
  const js = obj(format.json_schema, 'response_format.json_schema');
  assert.equal(js.name, 'weather_report');
  assert.equal(js.strict, true);
  assert.deepEqual(js.schema, schema);
}

const openAIWire = {
  toolCallIds: 'kept' as const,
  deterministicToolIds: false,
  toolTurn: openAIToolTurn,
  jsonSchema: { check: openAIJsonSchema },
};

export const PROVIDERS: ConformanceProvider[] = [
  {
    id: 'openai',
    start: () => startFakeOpenAI({ apiKey: 'sk-conf-openai' }),
    secret: { apiKey: 'sk-conf-openai' },
    chat: { model: 'gpt-4o-mini', options: (url) => ({ baseUrl: `${url}/v1` }) },
    embeddings: { model: 'text-embedding-3-small', options: (url) => ({ baseUrl: `${url}/v1` }) },
    paths: { chat: /^\/v1\/chat\/completions$/, stream: /^\/v1\/chat\/completions$/, embeddings: /^\/v1\/embeddings$/ },
    ...openAIWire,
  },
  {
    id: 'azure-openai',
    start: () => startFakeOpenAI({ apiKey: 'az-conf-key' }),
    // The resource names the host in production; options.baseUrl (the fake) overrides it.
    secret: { apiKey: 'az-conf-key', resource: 'conformance-resource' },
    chat: { model: 'gpt-4o', options: (url) => ({ baseUrl: url, deployment: 'chat-deploy', apiVersion: '2024-10-21' }) },
    embeddings: { model: 'text-embedding-3-large', options: (url) => ({ baseUrl: url, deployment: 'embed-deploy', apiVersion: '2024-10-21' }) },
    paths: {
      chat: /^\/openai\/deployments\/chat-deploy\/chat\/completions\?api-version=2024-10-21$/,
      stream: /^\/openai\/deployments\/chat-deploy\/chat\/completions\?api-version=2024-10-21$/,
      embeddings: /^\/openai\/deployments\/embed-deploy\/embeddings\?api-version=2024-10-21$/,
    },
    ...openAIWire,
  },
  {
    id: 'openai-compatible',
    start: () => startFakeOpenAI({ apiKey: 'vllm-conf-key' }),
    secret: { apiKey: 'vllm-conf-key' },
    chat: { model: 'meta-llama/Llama-3.1-8B-Instruct', options: (url) => ({ baseUrl: `${url}/v1` }) },
    embeddings: { model: 'BAAI/bge-small-en-v1.5', options: (url) => ({ baseUrl: `${url}/v1` }) },
    paths: { chat: /^\/v1\/chat\/completions$/, stream: /^\/v1\/chat\/completions$/, embeddings: /^\/v1\/embeddings$/ },
    ...openAIWire,
  },
  {
    id: 'anthropic',
    start: () => startFakeAnthropic({ apiKey: 'sk-ant-conf' }),
    secret: { apiKey: 'sk-ant-conf' },
    chat: { model: 'claude-sonnet-4-5', options: (url) => ({ baseUrl: url }) },
    paths: { chat: /^\/v1\/messages$/, stream: /^\/v1\/messages$/ },
    toolCallIds: 'kept',
    deterministicToolIds: false,
    toolTurn(body) {
      const messages = arr(body.messages, 'messages');
      const a = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.content) && (m.content as Json[]).some((b) => b.type === 'tool_use'));
      assert.ok(a >= 0, 'an assistant message with tool_use blocks');
      const calls = (messages[a]!.content as Json[])
        .filter((b) => b.type === 'tool_use')
        .map((b) => ({ id: String(b.id), name: String(b.name), args: b.input }));
      // Anthropic requires every tool_result in the one user message right after the tool_use turn.
      const next = messages[a + 1];
      assert.equal(next?.role, 'user', 'the tool results follow as a user message');
      const results = arr(next.content, 'tool result content')
        .filter((b) => b.type === 'tool_result')
        .map((b) => ({ id: String(b.tool_use_id), content: textOf(b.content) }));
      return { calls, results };
    },
    jsonSchema: {
      check(body, schema) {
        // Structured outputs: output_config.format (https://platform.claude.com/docs/en/build-with-claude/structured-outputs)
        const format = obj(obj(body.output_config, 'output_config').format, 'output_config.format');
        assert.equal(format.type, 'json_schema');
        assert.deepEqual(format.schema, schema);
      },
    },
  },
  {
    id: 'gemini',
    start: () => startGeminiFake({ apiKey: 'gemini-conf-key' }),
    secret: { apiKey: 'gemini-conf-key' },
    chat: { model: 'gemini-2.5-flash', options: (url) => ({ baseUrl: url }) },
    embeddings: { model: 'gemini-embedding-001', options: (url) => ({ baseUrl: url }) },
    paths: {
      chat: /^\/v1beta\/models\/gemini-2\.5-flash:generateContent$/,
      stream: /^\/v1beta\/models\/gemini-2\.5-flash:streamGenerateContent\?alt=sse$/,
      embeddings: /^\/v1beta\/models\/gemini-embedding-001:(batchEmbedContents|embedContent)$/,
    },
    toolCallIds: 'none',
    deterministicToolIds: false,
    toolTurn(body) {
      const contents = arr(body.contents, 'contents');
      const a = contents.findIndex((c) => c.role === 'model' && arr(c.parts, 'parts').some((p) => p.functionCall));
      assert.ok(a >= 0, 'a model turn with functionCall parts');
      const calls = (contents[a]!.parts as Json[])
        .filter((p) => p.functionCall)
        .map((p) => {
          const fc = obj(p.functionCall, 'functionCall');
          return { name: String(fc.name), args: fc.args };
        });
      // Gemini wants the responses to parallel calls in one turn right after the calls.
      const next = contents[a + 1];
      assert.ok(next, 'a turn after the function calls');
      const results = arr(next.parts, 'parts')
        .filter((p) => p.functionResponse)
        .map((p) => {
          const fr = obj(p.functionResponse, 'functionResponse');
          return { name: String(fr.name), content: JSON.stringify(fr.response) };
        });
      return { calls, results };
    },
    checkToolTurn(body) {
      // The fake signs the first call of a turn; the signature must go back on that part.
      const contents = arr(body.contents, 'contents');
      const model = contents.find((c) => c.role === 'model')!;
      const first = (model.parts as Json[]).find((p) => p.functionCall)!;
      assert.equal(first.thoughtSignature, `sig-${String((first.functionCall as Json).name)}`, 'the thought signature returns on its functionCall part');
    },
    jsonSchema: {
      check(body) {
        const config = obj(body.generationConfig, 'generationConfig');
        assert.equal(config.responseMimeType, 'application/json');
        // Gemini's OpenAPI-subset schema (types may be upper-cased); the properties must survive.
        const rs = obj(config.responseSchema ?? config.responseJsonSchema, 'generationConfig.responseSchema');
        assert.deepEqual(Object.keys(obj(rs.properties, 'responseSchema.properties')).sort(), ['city', 'temperature']);
        assert.deepEqual(rs.required, ['city', 'temperature']);
        assert.equal(rs.additionalProperties, undefined, 'keywords Gemini rejects are not sent');
      },
    },
  },
  {
    id: 'bedrock',
    start: () => startBedrockFake(),
    secret: { ...BEDROCK_TEST_CREDENTIALS, region: 'us-east-1' },
    chat: { model: 'anthropic.claude-3-5-sonnet-20240620-v1:0', options: (url) => ({ baseUrl: url, region: 'eu-west-1' }) },
    // Cohere Embed on Bedrock takes several inputs per call (Titan takes one).
    embeddings: { model: 'cohere.embed-english-v3', options: (url) => ({ baseUrl: url, region: 'eu-west-1' }) },
    paths: {
      chat: /^\/model\/anthropic\.claude-3-5-sonnet-20240620-v1%3A0\/converse$/,
      stream: /^\/model\/anthropic\.claude-3-5-sonnet-20240620-v1%3A0\/converse-stream$/,
      embeddings: /^\/model\/cohere\.embed-english-v3\/invoke$/,
    },
    toolCallIds: 'kept',
    deterministicToolIds: true,
    toolTurn(body) {
      const messages = arr(body.messages, 'messages');
      const a = messages.findIndex((m) => m.role === 'assistant' && arr(m.content, 'content').some((b) => b.toolUse));
      assert.ok(a >= 0, 'an assistant message with toolUse blocks');
      const calls = (messages[a]!.content as Json[])
        .filter((b) => b.toolUse)
        .map((b) => {
          const tu = obj(b.toolUse, 'toolUse');
          return { id: String(tu.toolUseId), name: String(tu.name), args: tu.input };
        });
      // Converse requires the toolResult blocks in the one user message right after the toolUse turn.
      const next = messages[a + 1];
      assert.equal(next?.role, 'user', 'the tool results follow as a user message');
      const results = arr(next.content, 'content')
        .filter((b) => b.toolResult)
        .map((b) => {
          const tr = obj(b.toolResult, 'toolResult');
          return { id: String(tr.toolUseId), content: textOf(tr.content) };
        });
      return { calls, results };
    },
    checkToolTurn(body) {
      assert.ok(obj(body.toolConfig, 'toolConfig').tools, 'Converse needs toolConfig when the history has tool blocks');
    },
    jsonSchema: {
      check(body, schema) {
        // Structured output: outputConfig.textFormat, the schema as a JSON string
        // (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_JsonSchemaDefinition.html)
        const format = obj(obj(body.outputConfig, 'outputConfig').textFormat, 'outputConfig.textFormat');
        assert.equal(format.type, 'json_schema');
        const definition = obj(obj(format.structure, 'textFormat.structure').jsonSchema, 'structure.jsonSchema');
        assert.equal(typeof definition.schema, 'string');
        assert.deepEqual(JSON.parse(String(definition.schema)), schema);
        assert.equal(definition.name, 'weather_report');
      },
    },
  },
  {
    id: 'cohere',
    start: () => startCohereFake({ apiKey: 'co-conf-key' }),
    secret: { apiKey: 'co-conf-key' },
    chat: { model: 'command-a-03-2025', options: (url) => ({ baseUrl: url }) },
    embeddings: { model: 'embed-v4.0', options: (url) => ({ baseUrl: url }) },
    paths: { chat: /^\/v2\/chat$/, stream: /^\/v2\/chat$/, embeddings: /^\/v2\/embed$/ },
    toolCallIds: 'kept',
    // The fake derives its call ids from the messages: the same for the same request.
    deterministicToolIds: true,
    toolTurn: openAIToolTurn,
    jsonSchema: {
      check(body, schema) {
        const format = obj(body.response_format, 'response_format');
        assert.equal(format.type, 'json_object');
        assert.deepEqual(format.json_schema, schema);
      },
    },
  },
  {
    id: 'ollama',
    start: () => startOllamaFake(),
    chat: { model: 'llama3.2', options: (url) => ({ baseUrl: url }) },
    embeddings: { model: 'nomic-embed-text', options: (url) => ({ baseUrl: url }) },
    paths: { chat: /^\/api\/chat$/, stream: /^\/api\/chat$/, embeddings: /^\/api\/embed$/ },
    toolCallIds: 'none',
    deterministicToolIds: false,
    toolTurn(body) {
      const messages = arr(body.messages, 'messages');
      const a = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls));
      assert.ok(a >= 0, 'an assistant message with tool_calls');
      const calls = arr(messages[a]!.tool_calls, 'tool_calls').map((c) => {
        const fn = obj(c.function, 'function');
        return { name: String(fn.name), args: fn.arguments };
      });
      const results: NativeToolResult[] = [];
      for (const m of messages.slice(a + 1)) {
        if (m.role !== 'tool') break;
        results.push({ name: typeof m.tool_name === 'string' ? m.tool_name : undefined, content: textOf(m.content) });
      }
      return { calls, results };
    },
    jsonSchema: {
      check(body, schema) {
        // Ollama structured outputs: `format` takes the JSON schema itself.
        assert.deepEqual(body.format, schema);
      },
    },
  },
  {
    id: 'mistral',
    // Real Mistral puts usage on its finishing chunk whether asked or not.
    start: () => startFakeOpenAI({ apiKey: 'mistral-conf-key', streamUsage: 'always-last' }),
    secret: { apiKey: 'mistral-conf-key' },
    chat: { model: 'mistral-large-latest', options: (url) => ({ baseUrl: `${url}/v1` }) },
    embeddings: { model: 'mistral-embed', options: (url) => ({ baseUrl: `${url}/v1` }) },
    paths: { chat: /^\/v1\/chat\/completions$/, stream: /^\/v1\/chat\/completions$/, embeddings: /^\/v1\/embeddings$/ },
    ...openAIWire,
    // Mistral only takes 9-character [a-zA-Z0-9] ids.
    toolCallIds: 'mapped',
    checkToolTurn(body) {
      for (const m of arr(body.messages, 'messages')) {
        for (const c of (m.tool_calls as Json[] | undefined) ?? []) assert.match(String(c.id), /^[a-zA-Z0-9]{9}$/);
        if (m.role === 'tool') assert.match(String(m.tool_call_id), /^[a-zA-Z0-9]{9}$/);
      }
    },
  },
];

export function providerRow(id: ProviderId): ConformanceProvider {
  const row = PROVIDERS.find((p) => p.id === id);
  if (!row) throw new Error(`no conformance row for ${id}`);
  return row;
}
