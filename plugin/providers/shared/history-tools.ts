// Anthropic and Bedrock refuse a conversation whose history holds tool calls
// unless the request declares tools, which OpenAI does not require (a client
// may drop `tools` on a turn where no more calls are wanted, or declare them
// in the legacy `functions` it no longer sends). Declaring the names the
// history used, with an open schema, satisfies them without changing what
// the model may do: the client's tool_choice still applies.
import type { ChatMessage, FunctionTool } from '../../openai/types';

export function toolsFromHistory(messages: ChatMessage[]): FunctionTool[] {
  const names = new Set<string>();
  for (const m of messages) for (const call of m.tool_calls ?? []) if (call.type === 'function') names.add(call.function.name);
  return [...names].map((name) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } }));
}
