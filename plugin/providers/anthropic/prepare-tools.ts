// OpenAI tools/tool_choice/parallel_tool_calls -> Anthropic tools/tool_choice.
// https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use
//   tool_choice: auto | any | tool (with name) | none; disable_parallel_tool_use on auto/any/tool.
import type { ChatRequest, FunctionTool } from '../../openai/types';
import { toolsFromHistory } from '../shared/history-tools';
import { portableTools, type PortableToolChoice } from '../shared/portable-tools';
import type { AnthropicTool, AnthropicToolChoice } from './types';

export function prepareTools(req: ChatRequest): { tools?: AnthropicTool[]; tool_choice?: AnthropicToolChoice } {
  const portable = portableTools(req, 'Anthropic');
  if (portable.tools.length === 0) {
    // History with tool calls needs declared tools (see history-tools.ts); the model may not call them now.
    const used = toolsFromHistory(req.messages);
    return used.length > 0 ? { tools: used.map(toAnthropicTool), tool_choice: { type: 'none' } } : {};
  }
  const tools = portable.tools.map(toAnthropicTool);
  const choice = mapToolChoice(portable.choice);
  if (req.parallel_tool_calls === false) {
    const c = choice ?? { type: 'auto' };
    return { tools, tool_choice: c.type === 'none' ? c : { ...c, disable_parallel_tool_use: true } };
  }
  return choice ? { tools, tool_choice: choice } : { tools };
}

function toAnthropicTool(t: FunctionTool): AnthropicTool {
  const tool: AnthropicTool = { name: t.function.name, input_schema: t.function.parameters ?? { type: 'object', properties: {} } };
  if (t.function.description) tool.description = t.function.description;
  // LiteLLM's shape: the marker sits beside `function` on the tool.
  if (t.cache_control) tool.cache_control = t.cache_control;
  return tool;
}

function mapToolChoice(choice: PortableToolChoice | undefined): AnthropicToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}
