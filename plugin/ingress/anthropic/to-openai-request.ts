// Anthropic Messages request -> the gateway's OpenAI ChatRequest. Pure.
// https://platform.claude.com/docs/en/api/messages (system, messages, tools, tool_choice, metadata)
// https://platform.claude.com/docs/en/build-with-claude/vision (image sources)
// https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use (tool_use / tool_result)
import type { CacheControl, ChatMessage, ChatRequest, ContentPart, FunctionTool, TextPart, ThinkingBlock, ToolCall, ToolChoice } from '../../openai/types';
import { AnthropicRequestError } from './errors';
import { decodeProviderState, isProviderStateData, mergeProviderState } from './provider-state';
import type {
  AnthropicCacheControl,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicToolChoice,
  IngressBlock,
  IngressMessage,
  IngressRequest,
  IngressSearchResultBlock,
  IngressTool,
  IngressToolResultBlock,
} from './types';
import { validateAnthropicRequest } from './validate';

/** Validates a parsed JSON body and translates it; throws AnthropicRequestError. */
export function parseAnthropicRequest(body: unknown): ChatRequest {
  const checked = validateAnthropicRequest(body);
  if (!checked.ok) throw checked.error;
  return toOpenAiRequest(checked.value);
}

/** Translates a validated request (see validateAnthropicRequest); throws AnthropicRequestError. */
export function toOpenAiRequest(req: IngressRequest): ChatRequest {
  const out: ChatRequest = { model: req.model, messages: [...systemMessages(req.system), ...req.messages.flatMap(convertMessage)] };
  out.max_tokens = req.max_tokens;
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop_sequences !== undefined && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (typeof req.metadata?.user_id === 'string') out.user = req.metadata.user_id;
  // Anthropic's own thinking switch rides along as is (every provider reads it, see reasoning-effort.ts);
  // "adaptive" leaves the choice to the model, as a request without it does.
  if (req.thinking?.type === 'enabled') out.thinking = { type: 'enabled', budget_tokens: req.thinking.budget_tokens };
  if (req.thinking?.type === 'disabled') out.thinking = { type: 'disabled' };

  const tools = (req.tools ?? []).map(convertTool);
  // OpenAI refuses tool_choice and parallel_tool_calls without tools; Anthropic ignores them.
  if (tools.length > 0) {
    out.tools = tools;
    if (req.tool_choice) {
      out.tool_choice = convertToolChoice(req.tool_choice);
      if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
    }
  }
  const format = req.output_config?.format;
  if (format) out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };

  if (req.stream === true) {
    out.stream = true;
    // The gateway needs usage to fill message_delta.usage, whatever the client asked.
    out.stream_options = { include_usage: true };
  }
  return out;
}

function cacheOf(b: { cache_control?: AnthropicCacheControl | null }): { cache_control?: CacheControl } {
  return b.cache_control ? { cache_control: b.cache_control } : {};
}

/** Plain text unless a block carries a cache marker: then text parts that keep it. */
function systemMessages(system: IngressRequest['system']): ChatMessage[] {
  if (system === undefined) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  const blocks = system.filter((b) => b.text !== '');
  if (blocks.length === 0) return [];
  if (!blocks.some((b) => b.cache_control)) return [{ role: 'system', content: blocks.map((b) => b.text).join('\n') }];
  return [{ role: 'system', content: blocks.map((b): TextPart => ({ type: 'text', text: b.text, ...cacheOf(b) })) }];
}

function convertMessage(m: IngressMessage, i: number): ChatMessage[] {
  const at = `messages[${i}]`;
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  return m.role === 'user' ? userTurn(m.content, at) : [assistantTurn(m.content, at)].filter((x): x is ChatMessage => x !== undefined);
}

/** A user turn's parts (or the text alone when it is one unmarked text part). */
function userContent(parts: ContentPart[]): ChatMessage['content'] {
  const [only] = parts;
  return parts.length === 1 && only?.type === 'text' && !only.cache_control ? only.text : parts;
}

/**
 * tool_result blocks become `tool` messages, placed before whatever else the
 * user said in that turn: OpenAI wants tool answers right after the
 * assistant's tool_calls, and Anthropic documents the results first anyway.
 */
function userTurn(blocks: IngressBlock[], at: string): ChatMessage[] {
  const tools: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  blocks.forEach((b, j) => {
    const here = `${at}.content[${j}]`;
    switch (b.type) {
      case 'tool_result':
        tools.push(toolMessage(b, here));
        break;
      case 'text':
      case 'image':
      case 'document':
      case 'search_result': {
        const part = contentPart(b, here);
        if (part) parts.push(part);
        break;
      }
      default:
        throw new AnthropicRequestError(`${JSON.stringify(b.type)} blocks are only allowed in assistant messages.`, `${here}.type`);
    }
  });
  if (parts.length === 0) return tools;
  return [...tools, { role: 'user', content: userContent(parts) }];
}

function contentPart(b: IngressBlock, at: string): ContentPart | undefined {
  switch (b.type) {
    case 'text':
      return b.text === '' ? undefined : { type: 'text', text: b.text, ...cacheOf(b) };
    case 'image':
      return { ...imagePart(b, at), ...cacheOf(b) };
    case 'document':
      return documentPart(b, at);
    case 'search_result':
      return { type: 'text', text: searchResultText(b), ...cacheOf(b) };
    default:
      throw new AnthropicRequestError(`${JSON.stringify(b.type)} blocks are not allowed here.`, `${at}.type`);
  }
}

function assistantTurn(blocks: IngressBlock[], at: string): ChatMessage | undefined {
  const texts: TextPart[] = [];
  const calls: ToolCall[] = [];
  const thinking: ThinkingBlock[] = [];
  let state: Record<string, unknown> | undefined;
  let cache: CacheControl | undefined;
  blocks.forEach((b, j) => {
    const here = `${at}.content[${j}]`;
    switch (b.type) {
      case 'text':
        if (b.text !== '') texts.push({ type: 'text', text: b.text, ...cacheOf(b) });
        break;
      case 'tool_use':
        calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } });
        // A marker on a tool_use block caches up to the end of the turn, where the message-level marker puts it.
        if (b.cache_control) cache = b.cache_control;
        break;
      case 'redacted_thinking':
        // The gateway's own block (see provider-state.ts): the provider_state of this turn, back on its message.
        if (isProviderStateData(b.data)) state = mergeProviderState(state, decodeProviderState(b.data, `${here}.data`));
        else thinking.push({ type: 'redacted_thinking', data: b.data });
        break;
      case 'thinking':
        // Signed reasoning goes back to Anthropic models (thinking_blocks); other providers never see it.
        thinking.push({ type: 'thinking', thinking: b.thinking, ...(b.signature ? { signature: b.signature } : {}) });
        break;
      default:
        throw new AnthropicRequestError(`${JSON.stringify(b.type)} blocks are only allowed in user messages.`, `${here}.type`);
    }
  });
  if (texts.length === 0 && calls.length === 0) return undefined;
  const [only] = texts;
  const content = only === undefined ? null : texts.length === 1 && !only.cache_control ? only.text : texts;
  const message: ChatMessage = calls.length > 0 ? { role: 'assistant', content, tool_calls: calls } : { role: 'assistant', content };
  if (thinking.some((t) => t.type === 'redacted_thinking' || t.signature)) message.thinking_blocks = thinking;
  if (state) message.provider_state = state;
  if (cache) message.cache_control = cache;
  return message;
}

function imagePart(b: AnthropicImageBlock | { source: { type: 'file' } }, at: string): ContentPart {
  const source = b.source;
  if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === 'url') return { type: 'image_url', image_url: { url: source.url } };
  throw new AnthropicRequestError('images from the Files API cannot be routed to other providers; send the image as base64 or a URL.', `${at}.source.type`);
}

/** PDFs and text documents travel as OpenAI file parts (inline data); the other document sources exist only at Anthropic. */
function documentPart(b: AnthropicDocumentBlock | { source: { type: string; content?: unknown } }, at: string): ContentPart {
  const source = b.source as { type: string; data?: string; content?: unknown };
  const cache = cacheOf(b as AnthropicDocumentBlock);
  const filename = (b as AnthropicDocumentBlock).title ? { filename: (b as AnthropicDocumentBlock).title! } : {};
  if (source.type === 'base64') return { type: 'file', file: { file_data: `data:application/pdf;base64,${source.data}`, ...filename }, ...cache };
  if (source.type === 'text') {
    return { type: 'file', file: { file_data: `data:text/plain;base64,${Buffer.from(source.data ?? '', 'utf8').toString('base64')}`, ...filename }, ...cache };
  }
  if (source.type === 'content') {
    const text = typeof source.content === 'string' ? source.content : (source.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
    return { type: 'text', text, ...cache };
  }
  throw new AnthropicRequestError(
    `${source.type} document sources cannot be routed to other providers; send the document as base64 or text.`,
    `${at}.source.type`,
  );
}

function searchResultText(b: IngressSearchResultBlock): string {
  return [`${b.title} (${b.source})`, ...b.content.map((c) => c.text)].join('\n');
}

/**
 * A tool_result as an OpenAI tool message: plain text when it is text only
 * and unmarked, else its parts (images and documents go to the providers
 * that take them in tool results; the others refuse them with a 400). A
 * failed tool says so in the text, since OpenAI has no is_error.
 */
function toolMessage(b: IngressToolResultBlock, at: string): ChatMessage {
  const message: ChatMessage = { role: 'tool', tool_call_id: b.tool_use_id, content: '', ...cacheOf(b) };
  const error = b.is_error === true ? 'Error: ' : '';
  if (b.content === undefined || typeof b.content === 'string') {
    message.content = error + (b.content ?? '');
    return message;
  }
  const parts = b.content.flatMap((c, k) => contentPart(c, `${at}.content[${k}]`) ?? []);
  if (parts.every((p): p is TextPart => p.type === 'text' && !p.cache_control)) {
    message.content = error + parts.map((p) => p.text).join('\n');
    return message;
  }
  message.content = error ? [{ type: 'text', text: error.trim() }, ...parts] : parts;
  return message;
}

function convertTool(t: IngressTool): FunctionTool {
  const fn: FunctionTool['function'] = { name: t.name, parameters: t.input_schema };
  if (t.description !== undefined) fn.description = t.description;
  if (t.strict !== undefined) fn.strict = t.strict;
  return { type: 'function', function: fn, ...cacheOf(t) };
}

function convertToolChoice(c: AnthropicToolChoice): ToolChoice {
  switch (c.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: c.name } };
  }
}
