// A Responses request -> the pipeline's chat request. `history` is the
// stored conversation a `previous_response_id` continues (instructions are
// not carried over: OpenAI documents that each response's instructions
// apply to it alone).
import type { ChatMessage, ChatRequest, FunctionTool, ReasoningEffort, ResponseFormat, ToolChoice } from '../../openai/types';
import { toChatMessages } from './to-chat-messages';
import type { ResponsesRequest, TextFormat } from './types';

export function toChatRequest(req: ResponsesRequest, history: ChatMessage[] = []): ChatRequest {
  const messages: ChatMessage[] = [];
  if (req.instructions) messages.push({ role: 'system', content: req.instructions });
  messages.push(...history, ...toChatMessages(req.input));
  const chat: ChatRequest = { model: req.model, messages };
  if (req.tools?.length) chat.tools = req.tools.map(toChatTool);
  if (req.tool_choice) chat.tool_choice = toChatToolChoice(req.tool_choice);
  if (req.parallel_tool_calls != null) chat.parallel_tool_calls = req.parallel_tool_calls;
  if (req.temperature != null) chat.temperature = req.temperature;
  if (req.top_p != null) chat.top_p = req.top_p;
  if (req.max_output_tokens != null) chat.max_completion_tokens = req.max_output_tokens;
  const format = req.text?.format ? toResponseFormat(req.text.format) : undefined;
  if (format) chat.response_format = format;
  if (req.reasoning?.effort) chat.reasoning_effort = req.reasoning.effort as ReasoningEffort;
  if (req.user) chat.user = req.user;
  if (req.stream) chat.stream = true;
  return chat;
}

function toChatTool(tool: NonNullable<ResponsesRequest['tools']>[number]): FunctionTool {
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      ...(tool.parameters ? { parameters: tool.parameters } : {}),
      ...(tool.strict != null ? { strict: tool.strict } : {}),
    },
  };
}

function toChatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): ToolChoice {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function toResponseFormat(format: TextFormat): ResponseFormat | undefined {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          schema: format.schema,
          ...(format.description ? { description: format.description } : {}),
          ...(format.strict != null ? { strict: format.strict } : {}),
        },
      };
  }
}
