// Tools and tool_choice for providers that know only function tools: the
// OpenAI forms only OpenAI runs (custom tools, allowed_tools) are resolved
// or refused here once, so no provider has to know them.
// https://platform.openai.com/docs/api-reference/chat/create (tools, tool_choice)
import type { ChatMessage, ChatRequest, FunctionTool, FunctionToolCall } from '../../openai/types';
import { invalidRequest } from './errors';

export type PortableToolChoice = 'none' | 'auto' | 'required' | { name: string };

export interface PortableTools {
  tools: FunctionTool[];
  choice?: PortableToolChoice;
}

/**
 * `allowed_tools` narrows the tools the model may call this turn: the others
 * are left out of the request, and its mode becomes the tool choice.
 * Throws a 400 naming the field for a custom tool or a custom tool choice.
 */
export function portableTools(req: ChatRequest, provider: string): PortableTools {
  let tools = (req.tools ?? []).map((t, i): FunctionTool => {
    if (t.type !== 'function') throw invalidRequest(`${provider} runs function tools only; tools[${i}] is a ${t.type} tool`, `tools[${i}].type`);
    return t;
  });
  const choice = req.tool_choice;
  if (choice === undefined || typeof choice === 'string') return { tools, ...(choice ? { choice } : {}) };
  if (choice.type === 'function') return { tools, choice: { name: choice.function.name } };
  if (choice.type === 'allowed_tools') {
    const allowed = new Set(choice.allowed_tools.tools.map(allowedName).filter((n): n is string => n !== undefined));
    tools = tools.filter((t) => allowed.has(t.function.name));
    return { tools, choice: choice.allowed_tools.mode };
  }
  throw invalidRequest(`${provider} runs function tools only; tool_choice names a ${choice.type} tool`, 'tool_choice');
}

function allowedName(entry: Record<string, unknown>): string | undefined {
  const fn = entry.function as { name?: unknown } | undefined;
  return typeof fn?.name === 'string' ? fn.name : undefined;
}

/** An assistant message's tool calls, all of them function calls (a custom call is a 400 naming it). */
export function functionCalls(message: ChatMessage, at: string, provider: string): FunctionToolCall[] {
  return (message.tool_calls ?? []).map((call, j) => {
    if (call.type !== 'function') throw invalidRequest(`${provider} runs function tools only; this is a ${call.type} tool call`, `${at}.tool_calls[${j}].type`);
    return call;
  });
}
