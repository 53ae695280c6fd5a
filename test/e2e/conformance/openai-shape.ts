// The one checker for what OpenAI clients get, whatever the provider behind
// the endpoint. Every answer is checked against OpenAI's documented shape,
// then normalized (ids, timestamps, model names and token counts become
// placeholders after their own checks) so that the scenarios compare the
// normalized answer with one expected value shared by every provider: if a
// provider's translation differs in structure, its row fails.
// https://platform.openai.com/docs/api-reference/chat/object
// https://platform.openai.com/docs/api-reference/chat/streaming
import assert from 'node:assert/strict';
import type OpenAI from 'openai';

type Json = Record<string, unknown>;

export const ID = '<id>';
export const CREATED = '<created>';
export const MODEL = '<model>';
export const TOKENS = '<tokens>';

export interface ExpectedToolCall {
  name: string;
  arguments: string;
}

/** Normalized usage: the three counters, checked and replaced by placeholders. */
export function normalizeUsage(usage: unknown, where: string): Json {
  assert.ok(typeof usage === 'object' && usage !== null, `${where}: usage present`);
  const u = usage as Json;
  for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens']) {
    assert.ok(Number.isInteger(u[k]) && (u[k] as number) > 0, `${where}: usage.${k} is a positive integer (got ${JSON.stringify(u[k])})`);
  }
  assert.equal(u.total_tokens, (u.prompt_tokens as number) + (u.completion_tokens as number), `${where}: total_tokens = prompt_tokens + completion_tokens`);
  // *_details are optional breakdowns (cached, reasoning tokens); when present they are objects of counts.
  for (const k of ['prompt_tokens_details', 'completion_tokens_details']) {
    if (u[k] !== undefined && u[k] !== null) assert.equal(typeof u[k], 'object', `${where}: usage.${k} is an object`);
  }
  const extra = Object.keys(u).filter(
    (k) => !['prompt_tokens', 'completion_tokens', 'total_tokens', 'prompt_tokens_details', 'completion_tokens_details'].includes(k),
  );
  assert.deepEqual(extra, [], `${where}: usage has only OpenAI's fields`);
  return { prompt_tokens: TOKENS, completion_tokens: TOKENS, total_tokens: TOKENS };
}

function checkCreated(created: unknown, where: string): void {
  assert.ok(Number.isInteger(created), `${where}: created is integer unix seconds`);
  assert.ok(Math.abs((created as number) - Date.now() / 1000) < 3600, `${where}: created is about now (${String(created)})`);
}

/** Drops keys OpenAI documents as optional when they carry nothing (null), so absent and null compare equal. */
function withoutNulls(o: Json, keys: string[]): Json {
  const out = { ...o };
  for (const k of keys) if (out[k] === null || out[k] === undefined) delete out[k];
  return out;
}

function normalizeMessage(message: unknown, where: string): Json {
  assert.ok(typeof message === 'object' && message !== null, `${where}: message present`);
  const m = { ...(message as Json) };
  assert.equal(m.role, 'assistant', `${where}: role`);
  assert.ok(
    'content' in m && (typeof m.content === 'string' || m.content === null),
    `${where}: content is a string or null (got ${JSON.stringify(m.content)})`,
  );
  // provider_state is the gateway's documented carrier for a provider's reasoning
  // state (Gemini thought signatures) that the client sends back unchanged; it is
  // provider-specific by design, so only its type is checked.
  if (m.provider_state !== undefined) {
    assert.equal(typeof m.provider_state, 'object', `${where}: provider_state is an object`);
    delete m.provider_state;
  }
  if (m.tool_calls !== undefined) {
    assert.ok(Array.isArray(m.tool_calls), `${where}: tool_calls is an array`);
    m.tool_calls = (m.tool_calls as Json[]).map((c, i) => {
      assert.ok(typeof c.id === 'string' && c.id.length > 0, `${where}: tool_calls[${i}].id is a non-empty string`);
      assert.equal(c.type, 'function', `${where}: tool_calls[${i}].type`);
      const fn = c.function as Json;
      assert.equal(typeof fn?.name, 'string', `${where}: tool_calls[${i}].function.name`);
      assert.equal(typeof fn.arguments, 'string', `${where}: tool_calls[${i}].function.arguments is a JSON string`);
      return { id: ID, type: 'function', function: { name: fn.name, arguments: JSON.parse(fn.arguments as string) as unknown } };
    });
  }
  return withoutNulls(m, ['refusal', 'annotations', 'audio', 'tool_calls', 'function_call']);
}

/** Checks a chat.completion and returns its normalized form. */
export function normalizeCompletion(completion: unknown, where = 'completion'): Json {
  const c = completion as Json;
  assert.ok(typeof c.id === 'string' && c.id.length > 0, `${where}: id`);
  assert.equal(c.object, 'chat.completion', `${where}: object`);
  checkCreated(c.created, where);
  assert.ok(typeof c.model === 'string' && c.model.length > 0, `${where}: model`);
  assert.ok(Array.isArray(c.choices), `${where}: choices`);
  const choices = (c.choices as Json[]).map((ch, i) => {
    const out: Json = { index: ch.index, message: normalizeMessage(ch.message, `${where}.choices[${i}]`), finish_reason: ch.finish_reason };
    if (ch.logprobs !== undefined && ch.logprobs !== null) out.logprobs = ch.logprobs;
    return out;
  });
  // system_fingerprint and service_tier are optional, provider-dependent metadata.
  const rest = withoutNulls(c, ['system_fingerprint', 'service_tier']);
  delete rest.system_fingerprint;
  delete rest.service_tier;
  return { ...rest, id: ID, created: CREATED, model: MODEL, choices, usage: normalizeUsage(c.usage, where) };
}

/** The normalized completion every provider must produce for a text answer. */
export function expectedTextCompletion(content: string): Json {
  return {
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: TOKENS, completion_tokens: TOKENS, total_tokens: TOKENS },
  };
}

/** The normalized completion every provider must produce for parallel tool calls. */
export function expectedToolCompletion(calls: ExpectedToolCall[]): Json {
  return {
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((c) => ({ id: ID, type: 'function', function: { name: c.name, arguments: JSON.parse(c.arguments) as unknown } })),
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: TOKENS, completion_tokens: TOKENS, total_tokens: TOKENS },
  };
}

export interface AssembledToolCall {
  index: number;
  id: string;
  type: string;
  name: string;
  arguments: string;
}

export interface CollectedStream {
  chunks: OpenAI.ChatCompletionChunk[];
  text: string;
  /** Chunks that carried a non-empty content delta. */
  contentChunks: number;
  finishReason: string | null;
  toolCalls: AssembledToolCall[];
  usage?: OpenAI.CompletionUsage;
}

/**
 * Reads a stream to the end and checks every chunk against OpenAI's chunk
 * shape: one id, created and object for the whole stream, one choice with
 * index 0, a role on the first delta, exactly one finish_reason, tool-call
 * id/type/name only on a call's first delta, and (when asked for) the usage
 * chunk last with no choices.
 */
export async function collectStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>, includeUsage: boolean, where = 'stream'): Promise<CollectedStream> {
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 0, `${where}: at least one chunk`);
  const first = chunks[0]!;
  let text = '';
  let contentChunks = 0;
  let finishReason: string | null = null;
  let finishCount = 0;
  let sawRole = false;
  const calls: AssembledToolCall[] = [];
  let usage: OpenAI.CompletionUsage | undefined;
  chunks.forEach((chunk, n) => {
    const at = `${where} chunk ${n} ${JSON.stringify(chunk)}`;
    assert.equal(chunk.object, 'chat.completion.chunk', `${at}: object`);
    assert.equal(chunk.id, first.id, `${at}: the same id on every chunk`);
    assert.ok(typeof chunk.id === 'string' && chunk.id.length > 0, `${at}: id`);
    assert.equal(chunk.created, first.created, `${at}: the same created on every chunk`);
    checkCreated(chunk.created, at);
    assert.ok(typeof chunk.model === 'string' && chunk.model.length > 0, `${at}: model`);
    if (chunk.choices.length === 0) {
      // The only chunk without choices is the usage chunk, and it carries a usage object.
      assert.ok(chunk.usage, `${at}: a chunk without choices is the usage chunk and has usage statistics`);
    }
    if (chunk.usage) {
      assert.ok(includeUsage, `${at}: usage only when stream_options.include_usage is set`);
      assert.equal(n, chunks.length - 1, `${at}: the usage chunk is the last one`);
      assert.deepEqual(chunk.choices, [], `${at}: the usage chunk has no choices`);
      usage = chunk.usage;
      return;
    }
    assert.equal(chunk.choices.length, 1, `${at}: one choice`);
    const choice = chunk.choices[0]!;
    assert.equal(choice.index, 0, `${at}: choice index`);
    const delta = choice.delta;
    assert.equal(typeof delta, 'object', `${at}: delta present`);
    if (delta.role !== undefined && delta.role !== null) {
      assert.equal(delta.role, 'assistant', `${at}: role`);
      assert.equal(n, 0, `${at}: the role comes on the first chunk`);
      sawRole = true;
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      text += delta.content;
      contentChunks++;
    }
    for (const d of delta.tool_calls ?? []) {
      const existing = calls.find((c) => c.index === d.index);
      if (!existing) {
        assert.ok(typeof d.id === 'string' && d.id.length > 0, `${at}: a tool call's first delta has its id`);
        assert.equal(d.type, 'function', `${at}: a tool call's first delta has type function`);
        assert.ok(typeof d.function?.name === 'string' && d.function.name.length > 0, `${at}: a tool call's first delta has its name`);
        calls.push({ index: d.index, id: d.id, type: d.type, name: d.function.name, arguments: d.function?.arguments ?? '' });
      } else {
        assert.ok(d.id === undefined || d.id === null, `${at}: the id comes once per tool call`);
        assert.ok(d.function?.name === undefined || d.function.name === null || d.function.name === '', `${at}: the name comes once per tool call`);
        existing.arguments += d.function?.arguments ?? '';
      }
    }
    if (choice.finish_reason) {
      finishReason = choice.finish_reason;
      finishCount++;
    } else {
      assert.equal(finishCount, 0, `${at}: nothing but usage follows the finish_reason`);
    }
  });
  assert.ok(sawRole, `${where}: the first delta says role assistant`);
  assert.equal(finishCount, 1, `${where}: exactly one finish_reason`);
  if (includeUsage) assert.ok(usage, `${where}: a usage chunk when stream_options.include_usage is set`);
  calls.forEach((c, i) => assert.equal(c.index, i, `${where}: tool call indexes are 0..n-1 in order`));
  return { chunks, text, contentChunks, finishReason, toolCalls: calls, usage };
}

/** The streamed tool calls as the whole answer's message.tool_calls, for exact comparison. */
export function streamedAsToolCalls(calls: AssembledToolCall[]): Array<{ id: string; type: string; function: { name: string; arguments: string } }> {
  return calls.map((c) => ({ id: c.id, type: c.type, function: { name: c.name, arguments: c.arguments } }));
}

/** Checks an embeddings list and returns its vectors. */
export function checkEmbeddings(res: OpenAI.CreateEmbeddingResponse, inputs: number, where = 'embeddings'): number[][] {
  assert.equal(res.object, 'list', `${where}: object`);
  assert.ok(typeof res.model === 'string' && res.model.length > 0, `${where}: model`);
  assert.equal(res.data.length, inputs, `${where}: one embedding per input`);
  const dims = res.data[0]!.embedding.length;
  res.data.forEach((d, i) => {
    assert.equal(d.object, 'embedding', `${where}: data[${i}].object`);
    assert.equal(d.index, i, `${where}: data[${i}].index`);
    assert.ok(Array.isArray(d.embedding) && d.embedding.length > 0, `${where}: data[${i}].embedding is a vector`);
    assert.equal(d.embedding.length, dims, `${where}: every vector has the same dimensions`);
    assert.ok(
      d.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)),
      `${where}: data[${i}] holds finite numbers`,
    );
  });
  assert.ok(res.usage, `${where}: usage present`);
  assert.ok(Number.isInteger(res.usage.prompt_tokens) && res.usage.prompt_tokens >= 0, `${where}: usage.prompt_tokens`);
  assert.equal(res.usage.total_tokens, res.usage.prompt_tokens, `${where}: total_tokens = prompt_tokens for embeddings`);
  return res.data.map((d) => d.embedding);
}

/** Float32 round trip (base64 is float32) keeps about 7 significant digits. */
export function assertSameVectors(actual: number[][], expected: number[][], where: string): void {
  assert.equal(actual.length, expected.length, `${where}: vector count`);
  actual.forEach((v, i) => {
    assert.equal(v.length, expected[i]!.length, `${where}: vector ${i} dimensions`);
    v.forEach((x, j) =>
      assert.ok(Math.abs(x - expected[i]![j]!) <= 1e-6 * Math.max(1, Math.abs(expected[i]![j]!)), `${where}: vector ${i}[${j}] ${x} vs ${expected[i]![j]}`),
    );
  });
}
