// OpenAI tools/tool_choice/parallel_tool_calls -> Anthropic tools/tool_choice.
// https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use
//   tool_choice: auto | any | tool (with name) | none; disable_parallel_tool_use on auto/any/tool.
import type { ChatRequest } from '../../openai/types';
import type { AnthropicTool, AnthropicToolChoice } from './types';

export function prepareTools(req: ChatRequest): { tools?: AnthropicTool[]; tool_choice?: AnthropicToolChoice } {
  if (!req.tools || req.tools.length === 0) return {};
  const tools = req.tools.map((t): AnthropicTool => {
    const tool: AnthropicTool = { name: t.function.name, input_schema: t.function.parameters ?? { type: 'object', properties: {} } };
    if (t.function.description) tool.description = t.function.description;
    return tool;
  });
  const choice = mapToolChoice(req.tool_choice);
  if (req.parallel_tool_calls === false) {
    const c = choice ?? { type: 'auto' };
    return { tools, tool_choice: c.type === 'none' ? c : { ...c, disable_parallel_tool_use: true } };
  }
  return choice ? { tools, tool_choice: choice } : { tools };
}

function mapToolChoice(choice: ChatRequest['tool_choice']): AnthropicToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.function.name };
}
