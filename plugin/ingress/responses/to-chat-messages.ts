// Responses input items -> the pipeline's chat messages. Consecutive items
// of one assistant turn (its reasoning, its message, its function calls)
// become one assistant message; a function_call_output becomes a tool
// message; reasoning the gateway handed out comes back as the provider's
// signed state on the assistant message it preceded.
import { mergeState } from '../../openai/assemble-assistant-message';
import type { ChatMessage, ContentPart, ToolCall } from '../../openai/types';
import { decodeCarriedState } from './carried-state';
import type { InputItem, InputPart, MessageItem } from './types';

export class ResponsesRequestError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'ResponsesRequestError';
  }
}

export function toChatMessages(input: string | InputItem[] | undefined): ChatMessage[] {
  if (input === undefined) return [];
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const out: ChatMessage[] = [];
  // The assistant turn being assembled: reasoning, text and calls arrive as separate items.
  let turn: ChatMessage | undefined;
  let reasoning: Reasoning = {};
  const openTurn = (): ChatMessage => {
    if (!turn) {
      turn = { role: 'assistant', content: null, ...reasoning };
      reasoning = {};
      out.push(turn);
    }
    return turn;
  };
  input.forEach((item, i) => {
    const param = `input[${i}]`;
    switch (item.type ?? 'message') {
      case 'reasoning': {
        // Reasoning belongs to the assistant turn it stands in, or to the next one when it opens a turn.
        const r = item as Extract<InputItem, { type: 'reasoning' }>;
        const text = (r.content ?? []).map((c) => c.text).join('');
        const piece = { ...(decodeCarriedState(r.encrypted_content) ?? {}), ...(text ? { reasoning_content: text } : {}) };
        if (turn) Object.assign(turn, mergeReasoning(turn, piece));
        else reasoning = mergeReasoning(reasoning, piece);
        return;
      }
      case 'function_call': {
        const call = item as Extract<InputItem, { type: 'function_call' }>;
        const message = openTurn();
        const toolCall: ToolCall = { id: call.call_id, type: 'function', function: { name: call.name, arguments: call.arguments } };
        message.tool_calls = [...(message.tool_calls ?? []), toolCall];
        return;
      }
      case 'function_call_output': {
        const result = item as Extract<InputItem, { type: 'function_call_output' }>;
        turn = undefined;
        const content = typeof result.output === 'string' ? result.output : result.output.map((p, n) => toContentPart(p, `${param}.output[${n}]`));
        out.push({ role: 'tool', tool_call_id: result.call_id, content });
        return;
      }
      case 'message': {
        const message = item as MessageItem;
        if (message.role === 'assistant') {
          const text = textOf(message.content, `${param}.content`);
          const target = openTurn();
          // A second assistant message in one turn (rare) appends its text.
          target.content = typeof target.content === 'string' && target.content ? `${target.content}${text}` : text || target.content;
          return;
        }
        turn = undefined;
        const content = typeof message.content === 'string' ? message.content : message.content.map((p, n) => toContentPart(p, `${param}.content[${n}]`));
        out.push({ role: message.role, content });
        return;
      }
      default:
        throw new ResponsesRequestError(`Input items of type '${String(item.type)}' are not supported.`, `${param}.type`);
    }
  });
  return out;
}

type Reasoning = Pick<ChatMessage, 'provider_state' | 'thinking_blocks' | 'reasoning_content'>;

function mergeReasoning(into: Reasoning, piece: Reasoning): Reasoning {
  const out: Reasoning = {};
  const state = piece.provider_state ? mergeState(into.provider_state, piece.provider_state) : into.provider_state;
  const blocks = [...(into.thinking_blocks ?? []), ...(piece.thinking_blocks ?? [])];
  const text = (into.reasoning_content ?? '') + (piece.reasoning_content ?? '');
  if (state) out.provider_state = state;
  if (blocks.length) out.thinking_blocks = blocks;
  if (text) out.reasoning_content = text;
  return out;
}

function toContentPart(part: InputPart, param: string): ContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: part.refusal };
    case 'input_image':
      if (!part.image_url)
        throw new ResponsesRequestError('Images must be given by image_url (a URL or a data: URL); file ids are not supported.', `${param}.image_url`);
      return { type: 'image_url', image_url: { url: part.image_url, ...(part.detail && part.detail !== 'original' ? { detail: part.detail } : {}) } };
  }
}

function textOf(content: MessageItem['content'], param: string): string {
  if (typeof content === 'string') return content;
  return content
    .map((p, n) => {
      const part = toContentPart(p, `${param}[${n}]`);
      if (part.type !== 'text') throw new ResponsesRequestError('An assistant message can only hold text.', `${param}[${n}]`);
      return part.text;
    })
    .join('');
}
