// The documented shape of each provider's request body, as checks: what
// the provider's API reference says it refuses (alternating turns, empty
// text, tool results without their calls, thinking budgets...). Property
// tests run every built request through these.
// Anthropic: https://platform.claude.com/docs/en/api/messages
// Gemini: https://ai.google.dev/api/generate-content
// Bedrock: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// Cohere: https://docs.cohere.com/reference/chat
// Ollama: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
// OpenAI: https://platform.openai.com/docs/api-reference/chat/create
import type { ProviderId } from '../../plugin/contract';

type Json = Record<string, any>;

/** Problems with `body` for `provider` (empty when it has the documented shape). */
export function requestShapeProblems(provider: ProviderId, body: Json): string[] {
  const problems: string[] = [];
  const check = (ok: unknown, what: string) => {
    if (!ok) problems.push(what);
  };
  switch (provider) {
    case 'anthropic':
      anthropic(body, check);
      break;
    case 'gemini':
      gemini(body, check);
      break;
    case 'bedrock':
      bedrock(body, check);
      break;
    case 'cohere':
      check(Array.isArray(body.messages) && body.messages.length > 0, 'messages non-empty');
      for (const m of body.messages ?? []) {
        check(['system', 'user', 'assistant', 'tool'].includes(m.role), `cohere role ${m.role}`);
        if (m.role === 'assistant')
          check((typeof m.content === 'string' && m.content !== '') || m.tool_calls?.length > 0, 'cohere assistant has content or tool calls');
        if (m.role === 'tool') check(typeof m.tool_call_id === 'string', 'cohere tool message has tool_call_id');
      }
      break;
    case 'ollama':
      for (const m of body.messages ?? []) {
        check(['system', 'user', 'assistant', 'tool'].includes(m.role), `ollama role ${m.role}`);
        check(typeof m.content === 'string', 'ollama content is a string');
      }
      break;
    default:
      openAi(provider, body, check);
  }
  if (JSON.stringify(body).includes('"provider_state"')) problems.push("the gateway's provider_state leaked upstream");
  return problems;
}

type Check = (ok: unknown, what: string) => void;

const OPENAI_MESSAGE_FIELDS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'refusal', 'audio', 'function_call']);

function openAi(provider: ProviderId, body: Json, check: Check): void {
  check(Array.isArray(body.messages) && body.messages.length > 0, 'messages non-empty');
  const strict = provider !== 'openai-compatible';
  let openCalls = new Set<string>();
  for (const m of body.messages ?? []) {
    check(['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role), `role ${m.role}`);
    if (provider === 'mistral' || provider === 'openai-compatible') check(m.role !== 'developer', `${provider}: developer role mapped to system`);
    if (strict) for (const k of Object.keys(m)) check(OPENAI_MESSAGE_FIELDS.has(k), `message field ${k} is not OpenAI's`);
    if (m.role === 'assistant') openCalls = new Set((m.tool_calls ?? []).map((c: Json) => c.id));
    if (m.role === 'tool') check(openCalls.has(m.tool_call_id), `tool message answers a call of the assistant before it (${m.tool_call_id})`);
    if (m.role === 'user') openCalls = new Set();
  }
  if (strict) for (const t of body.tools ?? []) check(!('cache_control' in t), 'no cache_control on tools for OpenAI');
  check(body.thinking === undefined, "the gateway's own `thinking` field never goes to an OpenAI-style API");
  check(body.functions === undefined && body.function_call === undefined, 'legacy functions were normalized to tools');
}

function anthropic(body: Json, check: Check): void {
  check(typeof body.model === 'string' && Number.isInteger(body.max_tokens) && body.max_tokens >= 1, 'model and max_tokens');
  check(Array.isArray(body.messages) && body.messages.length > 0, 'messages non-empty');
  check(body.temperature === undefined || (body.temperature >= 0 && body.temperature <= 1), 'temperature within 0..1');
  let prev: string | undefined;
  let lastToolUses: string[] = [];
  let markers = 0;
  const countMarker = (b: Json) => {
    if (b.cache_control) markers++;
  };
  (body.tools ?? []).forEach(countMarker);
  if (Array.isArray(body.system)) body.system.forEach(countMarker);
  for (const m of body.messages ?? []) {
    check(m.role === 'user' || m.role === 'assistant', `role ${m.role}`);
    check(m.role !== prev, 'turns alternate');
    prev = m.role;
    const blocks: Json[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    check(Array.isArray(blocks) && blocks.length > 0, 'content non-empty');
    for (const b of blocks ?? []) {
      countMarker(b);
      if (b.type === 'text') check(typeof b.text === 'string' && b.text.trim() !== '', 'no blank text blocks');
      if (b.type === 'tool_result') check(m.role === 'user', 'tool_result only in user turns');
      if (b.type === 'tool_use') check(m.role === 'assistant', 'tool_use only in assistant turns');
      if (b.type === 'thinking') check(typeof b.signature === 'string' && b.signature !== '', 'thinking blocks are signed');
      if (Array.isArray(b.content)) b.content.forEach(countMarker);
    }
    if (m.role === 'user') {
      const results = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
      check(
        results.every((id, i) => blocks[i]?.type === 'tool_result' && lastToolUses.includes(id)),
        'tool results come first and answer the previous tool uses',
      );
      check(
        lastToolUses.every((id) => results.includes(id)),
        'every tool_use has its tool_result in the next turn',
      );
      lastToolUses = [];
    } else {
      lastToolUses = blocks.filter((b) => b.type === 'tool_use').map((b) => b.id);
    }
    const usesTools = blocks.some((b) => b.type === 'tool_use' || b.type === 'tool_result');
    if (usesTools) check(Array.isArray(body.tools) && body.tools.length > 0, 'tool blocks in history need declared tools');
  }
  check(markers <= 4, 'at most 4 cache_control breakpoints');
  if (body.thinking) {
    check(body.thinking.budget_tokens >= 1024 && body.thinking.budget_tokens < body.max_tokens, 'thinking budget >= 1024 and < max_tokens');
    check(body.temperature === undefined, 'no temperature with thinking');
    check(!body.tool_choice || ['auto', 'none'].includes(body.tool_choice.type), 'no forced tool with thinking');
  }
  for (const t of body.tools ?? []) check(t.name && t.input_schema?.type === 'object', 'tools have a name and an object input_schema');
}

function gemini(body: Json, check: Check): void {
  check(Array.isArray(body.contents) && body.contents.length > 0, 'contents non-empty');
  let prev: string | undefined;
  let calls: string[] = [];
  for (const c of body.contents ?? []) {
    check(c.role === 'user' || c.role === 'model', `role ${c.role}`);
    check(c.role !== prev, 'turns alternate');
    prev = c.role;
    check(Array.isArray(c.parts) && c.parts.length > 0, 'parts non-empty');
    for (const p of c.parts ?? []) {
      const data = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'].filter((k) => k in p);
      check(data.length === 1, `a part holds exactly one kind of data (${data.join(',')})`);
      if (p.text !== undefined) check(p.text !== '', 'no empty text parts');
      if (p.functionResponse) check(calls.includes(p.functionResponse.name), 'a function response answers a call');
    }
    if (c.role === 'model') calls = (c.parts ?? []).filter((p: Json) => p.functionCall).map((p: Json) => p.functionCall.name);
  }
  const thinking = body.generationConfig?.thinkingConfig;
  if (thinking) check(!(thinking.thinkingLevel !== undefined && thinking.thinkingBudget !== undefined), 'thinkingLevel and thinkingBudget are exclusive');
}

function bedrock(body: Json, check: Check): void {
  check(Array.isArray(body.messages) && body.messages.length > 0, 'messages non-empty');
  check(body.messages?.[0]?.role === 'user', 'the first message is a user message');
  let prev: string | undefined;
  let toolBlocks = false;
  let points = 0;
  for (const m of body.messages ?? []) {
    check(m.role === 'user' || m.role === 'assistant', `role ${m.role}`);
    check(m.role !== prev, 'turns alternate');
    prev = m.role;
    check(Array.isArray(m.content) && m.content.length > 0, 'content non-empty');
    for (const b of m.content ?? []) {
      check(Object.keys(b).length === 1, 'a block holds one kind of content');
      if (b.text !== undefined) check(b.text.trim() !== '', 'no blank text blocks');
      if (b.toolUse || b.toolResult) toolBlocks = true;
      if (b.cachePoint) points++;
    }
  }
  for (const s of body.system ?? []) {
    if (s.text !== undefined) check(s.text.trim() !== '', 'no blank system text');
    if (s.cachePoint) points++;
  }
  for (const t of body.toolConfig?.tools ?? []) if (t.cachePoint) points++;
  check(points <= 4, 'at most 4 cache checkpoints');
  if (toolBlocks) check(body.toolConfig?.tools?.length > 0, 'tool blocks in history need toolConfig');
  const thinking = body.additionalModelRequestFields?.thinking;
  if (thinking) check(thinking.budget_tokens >= 1024 && thinking.budget_tokens < body.inferenceConfig?.maxTokens, 'thinking budget >= 1024 and < maxTokens');
}
