// fast-check arbitraries of requests Anthropic's Messages API accepts,
// written from its API reference (https://platform.claude.com/docs/en/api/messages):
// alternating turns starting with the user, content as a string or blocks,
// tool_use answered by tool_result blocks first in the next user turn,
// tool results as a string or blocks, signed thinking echoed back,
// cache_control on any block, system and tools, every tool_choice form,
// thinking, metadata, stop sequences, top_k, service_tier.
// `portable` requests use only what every provider can carry.
import fc from 'fast-check';

type Json = Record<string, unknown>;

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PDF_DATA = 'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK';

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const text = fc.constantFrom('hello', 'What is the weather in Paris?', 'sunny, 18C', 'ünïcödé ✓', 'a\nb');
const cache = maybe(fc.constantFrom({ type: 'ephemeral' }, { type: 'ephemeral', ttl: '1h' }));
const withCache = (block: Json) => cache.map((c) => (c ? { ...block, cache_control: c } : block));

const textBlock = text.chain((t) => withCache({ type: 'text', text: t }));
const imageBlock = (full: boolean) =>
  fc
    .constantFrom<Json>({ type: 'base64', media_type: 'image/png', data: PNG_DATA }, ...(full ? [{ type: 'url', url: 'https://example.com/ant.jpg' }] : []))
    .chain((source) => withCache({ type: 'image', source }));
const documentBlock = fc
  .constantFrom<Json>(
    { type: 'base64', media_type: 'application/pdf', data: PDF_DATA },
    { type: 'text', media_type: 'text/plain', data: 'plain document' },
    { type: 'content', content: [{ type: 'text', text: 'chunk' }] },
  )
  .chain((source) => withCache({ type: 'document', source, title: 'doc' }));
const searchResult = withCache({ type: 'search_result', source: 'https://example.com', title: 'Result', content: [{ type: 'text', text: 'found' }] });

const userBlocks = (full: boolean) =>
  fc.array(fc.oneof(textBlock, imageBlock(full), ...(full ? [documentBlock, searchResult] : [])), { minLength: 1, maxLength: 3 });

const thinkingBlocks = fc.array(
  fc.oneof(
    fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.constant('EqQBCkYIAxgCIkD3') }),
    fc.record({ type: fc.constant('redacted_thinking'), data: fc.constant('EmwKAhgBEgy3va3pzix') }),
  ),
  { maxLength: 2 },
);

const toolResultContent = (full: boolean) =>
  fc.oneof(text, fc.array(fc.oneof(textBlock, ...(full ? [imageBlock(full), searchResult] : [])), { minLength: 1, maxLength: 2 }));

type Step =
  | { kind: 'say'; user: unknown; assistant: unknown }
  | { kind: 'tools'; thinking: Json[]; preface: string | undefined; names: string[]; results: unknown[]; errors: boolean[] };

const step = (full: boolean): fc.Arbitrary<Step> =>
  fc.oneof(
    fc
      .record({ user: fc.oneof(text, userBlocks(full)), assistant: fc.oneof(text, fc.array(textBlock, { minLength: 1, maxLength: 2 })) })
      .map((s): Step => ({ kind: 'say', ...s })),
    fc
      .record({
        thinking: thinkingBlocks,
        preface: maybe(text),
        names: fc.array(fc.constantFrom('get_weather', 'get_time'), { minLength: 1, maxLength: 3 }),
        results: fc.array(toolResultContent(full), { minLength: 3, maxLength: 3 }),
        errors: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      })
      .map((s): Step => ({ kind: 'tools', ...s })),
  );

function buildMessages(first: unknown, steps: Step[]): Json[] {
  const out: Json[] = [];
  let id = 0;
  const user = (content: unknown) => out.push({ role: 'user', content });
  user(first);
  for (const s of steps) {
    if (s.kind === 'say') {
      out.push({ role: 'assistant', content: s.assistant });
      user(s.user);
      continue;
    }
    const calls = s.names.map((name) => ({ type: 'tool_use', id: `toolu_${++id}`, name, input: name === 'get_weather' ? { city: 'Paris' } : {} }));
    out.push({ role: 'assistant', content: [...s.thinking, ...(s.preface ? [{ type: 'text', text: s.preface }] : []), ...calls] });
    const results = calls.map((c, i) => ({
      type: 'tool_result',
      tool_use_id: c.id,
      content: s.results[i % 3],
      ...(s.errors[i % 3] ? { is_error: true } : {}),
    }));
    // The tool results make the next user turn.
    out.push({ role: 'user', content: results });
    out.push({ role: 'assistant', content: 'Done.' });
    user('thanks');
  }
  return out;
}

const tools = fc.constant([
  { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  { name: 'get_time', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } },
]);

const toolChoice = fc.constantFrom<Json>(
  { type: 'auto' },
  { type: 'any' },
  { type: 'none' },
  { type: 'tool', name: 'get_weather' },
  { type: 'auto', disable_parallel_tool_use: true },
  { type: 'any', disable_parallel_tool_use: false },
);

export function anthropicMessagesRequest(options: { full?: boolean } = {}): fc.Arbitrary<Json> {
  const full = options.full ?? false;
  return fc
    .record(
      {
        first: fc.oneof(text, userBlocks(full)),
        steps: fc.array(step(full), { maxLength: 3 }),
        system: maybe(fc.oneof(text, fc.array(textBlock, { minLength: 1, maxLength: 3 }))),
        tools,
        tool_choice: maybe(toolChoice),
        max_tokens: fc.integer({ min: 1, max: 32000 }),
        thinking: maybe(
          fc.oneof(
            fc.constant({ type: 'disabled' }),
            fc.integer({ min: 1024, max: 16000 }).map((b) => ({ type: 'enabled', budget_tokens: b })),
          ),
        ),
        stop_sequences: maybe(fc.array(text, { maxLength: 2 })),
        temperature: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
        top_p: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
        top_k: maybe(fc.integer({ min: 0, max: 100 })),
        metadata: maybe(fc.constantFrom({ user_id: 'u-1' }, { user_id: null }, {})),
        stream: maybe(fc.boolean()),
        service_tier: maybe(fc.constantFrom('auto', 'standard_only')),
      },
      { requiredKeys: ['first', 'steps', 'tools', 'max_tokens'] },
    )
    .map(({ first, steps, thinking, max_tokens, ...rest }) => {
      const body: Json = { model: 'chat', messages: buildMessages(first, steps), ...rest, max_tokens };
      // Anthropic's rule: the thinking budget is below max_tokens.
      if (thinking) body.thinking = thinking;
      if (thinking?.type === 'enabled') body.max_tokens = Math.max(max_tokens, thinking.budget_tokens + 1024);
      return body;
    });
}
