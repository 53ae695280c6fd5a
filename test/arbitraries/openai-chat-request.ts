// fast-check arbitraries of requests OpenAI's Chat Completions API accepts,
// written from its published request schema (the `openai` SDK's
// ChatCompletionCreateParams, 6.x), not from the gateway's fixtures:
// conversations as agent frameworks build them (a user turn first, tool
// results right after the assistant message that called the tools), every
// spelling of `content` on every role, legacy function calling, every
// tool_choice form, the optional parameters with and without nulls, and
// extra fields OpenAI's SDKs let through.
//
// `portable` requests use only what every provider can carry; `full`
// requests add what only some can (audio, files, logprobs, n > 1, custom
// tools...), which the others must refuse with a 400 naming the field.
import fc from 'fast-check';

type Json = Record<string, unknown>;

// A 1x1 PNG and a tiny JPEG header: real data URLs every provider accepts.
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const JPEG =
  'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==';
const PDF = 'data:application/pdf;base64,JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK';

const words = fc.constantFrom('hello', 'Paris', 'weather?', 'the answer is 42', 'ünïcödé ✓', 'line\nbreak', '{"json": true}', '   ');
const text = fc.array(words, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
const cacheControl = fc.constantFrom({ type: 'ephemeral' }, { type: 'ephemeral', ttl: '1h' });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const toolName = fc.constantFrom('get_weather', 'get_time', 'search_docs', 'noop');

const textPart = fc.record({ type: fc.constant('text'), text, cache_control: maybe(cacheControl) }, { requiredKeys: ['type', 'text'] });
const imagePart = (full: boolean) =>
  fc.record(
    {
      type: fc.constant('image_url'),
      image_url: fc.record(
        {
          url: full ? fc.constantFrom(PNG, JPEG, 'https://example.com/cat.png') : fc.constantFrom(PNG, JPEG),
          detail: maybe(fc.constantFrom('auto', 'low', 'high')),
        },
        { requiredKeys: ['url'] },
      ),
    },
    { requiredKeys: ['type', 'image_url'] },
  );
const audioPart = fc.record({
  type: fc.constant('input_audio'),
  input_audio: fc.record({ data: fc.constant('UklGRiQAAABXQVZF'), format: fc.constantFrom('wav', 'mp3') }),
});
const filePart = fc.record({ type: fc.constant('file'), file: fc.record({ file_data: fc.constant(PDF), filename: fc.constant('doc.pdf') }) });
const refusalPart = fc.record({ type: fc.constant('refusal'), refusal: text });

/** `content` as OpenAI takes it for a role: a string or parts (absent/null where the role allows). */
const userContent = (full: boolean) =>
  fc.oneof(text, fc.array(fc.oneof(textPart, imagePart(full), ...(full ? [audioPart, filePart] : [])), { minLength: 1, maxLength: 3 }));
const textOnlyContent = fc.oneof(text, fc.array(textPart, { minLength: 1, maxLength: 2 }));
const assistantText = fc.oneof(text, fc.array(fc.oneof(textPart, refusalPart), { minLength: 1, maxLength: 2 }));

const withName = (m: Json) => fc.option(fc.constantFrom('alice', 'agent_1'), { nil: undefined }).map((name) => (name ? { ...m, name } : m));
const messageCache = (m: Json) => maybe(cacheControl).map((c) => (c ? { ...m, cache_control: c } : m));

const systemMessage = fc
  .tuple(fc.constantFrom('system', 'developer'), textOnlyContent)
  .chain(([role, content]) => withName({ role, content }))
  .chain(messageCache);
const userMessage = (full: boolean) => userContent(full).chain((content) => withName({ role: 'user', content }));
/** The opening question always says something (blank text elsewhere is fair game). */
const firstUserMessage = (full: boolean) =>
  fc.tuple(userMessage(full), fc.constantFrom('What is the weather in Paris?', 'hi')).map(([m, question]) => {
    const content = m.content as string | Json[];
    return { ...m, content: typeof content === 'string' ? `${question} ${content}` : [...content, { type: 'text', text: question }] };
  });

interface PlannedCall {
  name: string;
  args: string;
}
const toolCallPlan = fc.array(
  fc.record({ name: toolName, args: fc.constantFrom('{"city":"Paris"}', '{}', '', '{"q":"a \\"quoted\\" word","n":3}', '{\n  "pretty": [1, 2]\n}') }),
  { minLength: 1, maxLength: 3 },
);

/** How the assistant message leaves out its text when it only calls tools: absent (LiteLLM), null (OpenAI SDK), "" or text. */
const toolTurnContent = fc.constantFrom<'absent' | 'null' | 'empty' | 'text'>('absent', 'null', 'empty', 'text');

type Turn =
  | { kind: 'user'; message: Json }
  | { kind: 'assistant'; message: Json }
  | { kind: 'tools'; content: 'absent' | 'null' | 'empty' | 'text'; calls: PlannedCall[]; results: unknown[]; legacy: boolean };

const turn = (full: boolean): fc.Arbitrary<Turn> =>
  fc.oneof(
    userMessage(full).map((message): Turn => ({ kind: 'user', message })),
    assistantText.chain((content) => withName({ role: 'assistant', content })).map((message): Turn => ({ kind: 'assistant', message })),
    fc
      .record({
        content: toolTurnContent,
        calls: toolCallPlan,
        results: fc.array(fc.oneof(text, fc.array(textPart, { minLength: 1, maxLength: 2 })), { minLength: 3, maxLength: 3 }),
        legacy: fc.boolean(),
      })
      .map((t): Turn => ({ kind: 'tools', ...t, legacy: t.legacy && t.calls.length === 1 })),
  );

/** Messages of a conversation; tool-call ids are unique, and results follow their calls. */
function buildMessages(system: Json | undefined, first: Json, turns: Turn[], idPrefix: string): Json[] {
  const out: Json[] = system ? [system, first] : [first];
  let n = 0;
  for (const t of turns) {
    if (t.kind !== 'tools') {
      out.push(t.message);
      continue;
    }
    const assistant: Json = { role: 'assistant' };
    if (t.content === 'null') assistant.content = null;
    if (t.content === 'empty') assistant.content = '';
    if (t.content === 'text') assistant.content = 'Let me check.';
    if (t.legacy) {
      // Deprecated function calling: one function_call and a `function` message with its name.
      assistant.function_call = { name: t.calls[0]!.name, arguments: t.calls[0]!.args || '{}' };
      out.push(assistant, { role: 'function', name: t.calls[0]!.name, content: typeof t.results[0] === 'string' ? t.results[0] : 'done' });
      continue;
    }
    const ids = t.calls.map(() => `${idPrefix}${++n}`);
    assistant.tool_calls = t.calls.map((c, i) => ({ id: ids[i], type: 'function', function: { name: c.name, arguments: c.args } }));
    out.push(assistant);
    t.calls.forEach((_, i) => out.push({ role: 'tool', tool_call_id: ids[i], content: t.results[i % t.results.length] }));
  }
  return out;
}

const schemaProperty = fc.constantFrom(
  { type: 'string' },
  { type: 'integer' },
  { type: 'array', items: { type: 'string' } },
  { type: 'object', properties: { a: { type: 'number' } } },
);
const functionTool = fc
  .record(
    {
      name: toolName,
      description: maybe(text),
      parameters: maybe(
        fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.constantFrom('city', 'q', 'n'), schemaProperty, { maxKeys: 3 }) }),
      ),
      strict: maybe(fc.constantFrom(true, false, null)),
    },
    { requiredKeys: ['name'] },
  )
  .chain((fn) => messageCache({ type: 'function', function: fn }));
const customTool = fc.record({ type: fc.constant('custom'), custom: fc.record({ name: fc.constant('run_sql'), description: fc.constant('SQL') }) });

const toolChoice = (full: boolean) =>
  fc.oneof(
    fc.constantFrom('none', 'auto', 'required'),
    toolName.map((name) => ({ type: 'function', function: { name } })),
    ...(full
      ? [
          fc.constant({ type: 'custom', custom: { name: 'run_sql' } }),
          fc.record({
            type: fc.constant('allowed_tools'),
            allowed_tools: fc.record({
              mode: fc.constantFrom('auto', 'required'),
              tools: fc.constant([{ type: 'function', function: { name: 'get_weather' } }]),
            }),
          }),
        ]
      : []),
  );

const responseFormat = fc.oneof(
  fc.constant({ type: 'text' }),
  fc.constant({ type: 'json_object' }),
  fc.constant({
    type: 'json_schema',
    json_schema: { name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, strict: true },
  }),
);

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const params = (full: boolean) =>
  fc.record(
    {
      temperature: nullable(fc.double({ min: 0, max: 2, noNaN: true })),
      top_p: nullable(fc.double({ min: 0, max: 1, noNaN: true })),
      max_tokens: nullable(fc.integer({ min: 1, max: 8192 })),
      max_completion_tokens: nullable(fc.integer({ min: 1, max: 65536 })),
      stop: fc.oneof(fc.constant(null), text, fc.array(text, { maxLength: 4 })),
      seed: nullable(fc.integer({ min: -1000, max: 1000 })),
      n: full ? nullable(fc.integer({ min: 1, max: 4 })) : fc.constantFrom(1, null),
      presence_penalty: nullable(fc.double({ min: -2, max: 2, noNaN: true })),
      frequency_penalty: nullable(fc.double({ min: -2, max: 2, noNaN: true })),
      user: fc.constantFrom('alice', 'user-123'),
      stream: fc.boolean(),
      stream_options: nullable(fc.record({ include_usage: fc.boolean(), include_obfuscation: fc.boolean() }, { requiredKeys: [] })),
      response_format: responseFormat,
      parallel_tool_calls: fc.boolean(),
      metadata: nullable(fc.dictionary(fc.constantFrom('run', 'team'), fc.constantFrom('a', 'b'))),
      store: nullable(fc.boolean()),
      prediction: fc.constant({ type: 'content', content: 'predicted' }),
      logprobs: full ? nullable(fc.boolean()) : fc.constantFrom(false, null),
      top_logprobs: full ? nullable(fc.integer({ min: 0, max: 5 })) : fc.constant(null),
      modalities: full ? fc.constantFrom(['text'], ['text', 'audio']) : fc.constant(['text']),
      reasoning_effort: nullable(fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh')),
      service_tier: fc.constantFrom('auto', 'default', 'flex'),
      prompt_cache_key: fc.constant('conversation-1'),
      verbosity: fc.constantFrom('low', 'medium', 'high'),
      logit_bias: fc.constant({ '50256': -100 }),
      safety_identifier: fc.constant('hashed-user'),
      // An extra field a client library adds that OpenAI's API does not know.
      x_client_extra: fc.constant({ anything: [1, 'two'] }),
    },
    { requiredKeys: [] },
  );

export interface ChatRequestArbitraryOptions {
  /** Add what only some providers can carry (see the file comment). */
  full?: boolean;
}

/** A whole OpenAI chat request, as an agent framework could send it. */
export function openAiChatRequest(options: ChatRequestArbitraryOptions = {}): fc.Arbitrary<Json> {
  const full = options.full ?? false;
  return fc
    .record({
      system: maybe(systemMessage),
      first: firstUserMessage(full),
      turns: fc.array(turn(full), { maxLength: 4 }),
      idPrefix: fc.constantFrom('call_', 'toolu_', 'call_abc123_'),
      tools: fc.array(full ? fc.oneof(functionTool, customTool) : functionTool, { minLength: 1, maxLength: 3 }),
      legacyFunctions: fc.boolean(),
      toolChoice: maybe(toolChoice(full)),
      params: params(full),
    })
    .map(({ system, first, turns, idPrefix, tools, legacyFunctions, toolChoice: choice, params }) => {
      let toolChoice: unknown = choice;
      const messages = buildMessages(system, first, turns, idPrefix);
      const body: Json = { model: 'chat', messages, ...params };
      const declared = dedupeByName(tools);
      // A named tool choice names a declared tool (OpenAI refuses any other).
      const names = declared.filter((t) => t.type === 'function').map((t) => (t.function as { name: string }).name);
      if (typeof toolChoice === 'object' && toolChoice !== null && (toolChoice as Json).type === 'function') {
        toolChoice = names.length > 0 ? { type: 'function', function: { name: names[0] } } : 'auto';
      }
      if (legacyFunctions) {
        body.functions = declared.filter((t) => t.type === 'function').map((t) => t.function);
        if (toolChoice === 'none' || toolChoice === 'auto') body.function_call = toolChoice;
      } else {
        body.tools = declared;
        if (toolChoice !== undefined) body.tool_choice = toolChoice;
      }
      return body;
    });
}

function dedupeByName(tools: Json[]): Json[] {
  const seen = new Set<string>();
  return tools.filter((t) => {
    const name = ((t.function ?? t.custom) as { name: string }).name;
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}
