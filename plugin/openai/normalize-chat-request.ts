// A validated OpenAI chat request in the one form every translation reads.
// OpenAI accepts several spellings of the same thing; the gateway settles
// them here, once, so no provider has to know them:
//   - a top-level `null` means "not set" (the SDKs send nulls for defaults);
//   - absent `content` (an assistant message that only calls tools, as
//     LiteLLM sends it) is null;
//   - an assistant's `refusal` parts are text (what the model said), and a
//     message-level `refusal` with no content becomes its content;
//   - the Responses API's `reasoning: {effort}`, which clients sometimes send
//     on chat, is OpenAI chat's `reasoning_effort`;
//   - the deprecated function calling (`functions`, `function_call`, an
//     assistant's `function_call`, `function` messages) becomes tools and
//     tool calls, with ids derived from the message's position so every
//     turn of the conversation names them alike.
// https://platform.openai.com/docs/api-reference/chat/create
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, ToolCall, ToolChoice } from './types';

type Raw = Record<string, unknown>;

export function normalizeChatRequest(body: Raw): ChatRequest {
  const out: Raw = {};
  for (const [k, v] of Object.entries(body)) if (v !== null && v !== undefined) out[k] = v;
  const functions = out.functions as Array<FunctionTool['function']> | undefined;
  const functionCall = out.function_call as 'none' | 'auto' | { name: string } | undefined;
  delete out.functions;
  delete out.function_call;
  if (functions && functions.length > 0) {
    out.tools = [...((out.tools as unknown[] | undefined) ?? []), ...functions.map((f): FunctionTool => ({ type: 'function', function: f }))];
  }
  if (functionCall !== undefined && out.tool_choice === undefined) {
    out.tool_choice = (typeof functionCall === 'string' ? functionCall : { type: 'function', function: { name: functionCall.name } }) satisfies ToolChoice;
  }
  const reasoning = out.reasoning as { effort?: unknown } | undefined;
  if (typeof reasoning === 'object' && typeof reasoning.effort === 'string') {
    out.reasoning_effort ??= reasoning.effort;
    delete out.reasoning;
  }
  out.messages = normalizeMessages(out.messages as Raw[]);
  return out as ChatRequest;
}

function normalizeMessages(messages: Raw[]): ChatMessage[] {
  // Legacy function results answer the latest call of that name.
  const pendingByName = new Map<string, string>();
  return messages.map((raw, i) => {
    const m: Raw = { ...raw };
    if (m.content === undefined) m.content = null;
    if (m.name === null) delete m.name;
    if (Array.isArray(m.content)) m.content = (m.content as Raw[]).map(normalizePart);
    if (m.role === 'assistant') {
      if (typeof m.refusal === 'string' && (m.content === null || m.content === '')) m.content = m.refusal;
      delete m.refusal;
      const call = m.function_call as { name: string; arguments: string } | null | undefined;
      delete m.function_call;
      if (call) {
        const id = legacyCallId(i);
        pendingByName.set(call.name, id);
        m.tool_calls = [
          ...((m.tool_calls as ToolCall[] | undefined) ?? []),
          { id, type: 'function', function: { name: call.name, arguments: call.arguments } },
        ];
      }
      if (m.tool_calls === null) delete m.tool_calls;
    }
    if (m.role === 'function') {
      const name = m.name as string;
      m.role = 'tool';
      m.tool_call_id = pendingByName.get(name) ?? legacyCallId(i);
      if (m.content === null) m.content = '';
    }
    return m as unknown as ChatMessage;
  });
}

function normalizePart(part: Raw): ContentPart {
  if (part.type === 'refusal') return { type: 'text', text: part.refusal as string };
  return part as unknown as ContentPart;
}

/** Deterministic: the same conversation sent again names its legacy calls the same way. */
function legacyCallId(messageIndex: number): string {
  return `call_fn_${messageIndex}`;
}
