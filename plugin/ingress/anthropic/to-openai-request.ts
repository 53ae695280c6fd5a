// Anthropic Messages request -> the gateway's OpenAI ChatRequest. Pure.
// https://platform.claude.com/docs/en/api/messages (system, messages, tools, tool_choice, metadata)
// https://platform.claude.com/docs/en/build-with-claude/vision (image sources)
// https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use (tool_use / tool_result)
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, TextPart, ToolCall, ToolChoice } from '../../openai/types';
import { AnthropicRequestError } from './errors';
import { decodeProviderState, isProviderStateData, mergeProviderState } from './provider-state';
import type {
  AnthropicImageBlock,
  AnthropicTextBlock,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  IngressBlock,
  IngressMessage,
  IngressRequest,
  IngressTool,
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

function systemMessages(system: IngressRequest['system']): ChatMessage[] {
  if (system === undefined) return [];
  const text = typeof system === 'string' ? system : system.map((b) => b.text).join('\n');
  return text === '' ? [] : [{ role: 'system', content: text }];
}

function convertMessage(m: IngressMessage, i: number): ChatMessage[] {
  const at = `messages[${i}]`;
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  return m.role === 'user' ? userTurn(m.content, at) : [assistantTurn(m.content, at)].filter((x): x is ChatMessage => x !== undefined);
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
      case 'text':
        if (b.text !== '') parts.push({ type: 'text', text: b.text });
        break;
      case 'image':
        parts.push(imagePart(b));
        break;
      case 'tool_result':
        tools.push({ role: 'tool', tool_call_id: b.tool_use_id, content: toolResultText(b, here) });
        break;
      default:
        throw new AnthropicRequestError(`${JSON.stringify(b.type)} blocks are only allowed in assistant messages.`, `${here}.type`);
    }
  });
  if (parts.length === 0) return tools;
  return [...tools, { role: 'user', content: parts.length === 1 && parts[0].type === 'text' ? parts[0].text : parts }];
}

function assistantTurn(blocks: IngressBlock[], at: string): ChatMessage | undefined {
  const texts: TextPart[] = [];
  const calls: ToolCall[] = [];
  let state: Record<string, unknown> | undefined;
  blocks.forEach((b, j) => {
    const here = `${at}.content[${j}]`;
    switch (b.type) {
      case 'text':
        if (b.text !== '') texts.push({ type: 'text', text: b.text });
        break;
      case 'tool_use':
        calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } });
        break;
      case 'redacted_thinking':
        // The gateway's own block (see provider-state.ts): the provider_state of this turn, back on its message.
        if (isProviderStateData(b.data)) state = mergeProviderState(state, decodeProviderState(b.data, `${here}.data`));
        break;
      case 'thinking':
        // Only an Anthropic model could use its own signed reasoning; other providers never see it.
        break;
      default:
        throw new AnthropicRequestError(`${JSON.stringify(b.type)} blocks are only allowed in user messages.`, `${here}.type`);
    }
  });
  if (texts.length === 0 && calls.length === 0) return undefined;
  const content = texts.length === 0 ? null : texts.length === 1 ? texts[0].text : texts;
  const message: ChatMessage = calls.length > 0 ? { role: 'assistant', content, tool_calls: calls } : { role: 'assistant', content };
  if (state) message.provider_state = state;
  return message;
}

function imagePart(b: AnthropicImageBlock): ContentPart {
  const url = b.source.type === 'base64' ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url;
  return { type: 'image_url', image_url: { url } };
}

/** OpenAI tool messages carry text only; a failed tool says so in the text, since OpenAI has no is_error. */
function toolResultText(b: AnthropicToolResultBlock, at: string): string {
  let text: string;
  if (b.content === undefined) text = '';
  else if (typeof b.content === 'string') text = b.content;
  else {
    text = b.content
      .map((c: AnthropicTextBlock | AnthropicImageBlock, k) => {
        if (c.type !== 'text') {
          throw new AnthropicRequestError(
            'images in tool results are not supported: other providers accept only text as a tool answer.',
            `${at}.content[${k}].type`,
          );
        }
        return c.text;
      })
      .join('\n');
  }
  return b.is_error === true ? `Error: ${text}` : text;
}

function convertTool(t: IngressTool): FunctionTool {
  const fn: FunctionTool['function'] = { name: t.name, parameters: t.input_schema };
  if (t.description !== undefined) fn.description = t.description;
  if (t.strict !== undefined) fn.strict = t.strict;
  return { type: 'function', function: fn };
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
