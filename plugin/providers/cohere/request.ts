// OpenAI chat request to Cohere v2 chat.
// Reference: https://docs.cohere.com/reference/chat
import type { ChatMessage, ChatRequest, ContentPart } from '../../openai/types';
import type { Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { textOfContent } from '../shared/text-of-content';
import { cohereHeaders, cohereUrl } from './endpoint';
import type { CohereChatRequest, CohereContentPart, CohereMessage, CohereTool } from './types';

function convertUserContent(content: ChatMessage['content']): string | CohereContentPart[] {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((part: ContentPart): CohereContentPart =>
    part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image_url', image_url: { url: part.image_url.url } },
  );
}

function convertMessage(message: ChatMessage, i: number): CohereMessage {
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOfContent(message.content) };
    case 'user':
      return { role: 'user', content: convertUserContent(message.content) };
    case 'assistant': {
      const text = textOfContent(message.content);
      if (message.tool_calls?.length) {
        // Cohere keeps the text that precedes tool calls as the tool plan.
        return {
          role: 'assistant',
          tool_calls: message.tool_calls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.function.name, arguments: c.function.arguments || '{}' },
          })),
          ...(text !== '' ? { tool_plan: text } : {}),
        };
      }
      return { role: 'assistant', content: text };
    }
    case 'tool':
      if (!message.tool_call_id) throw invalidRequest('Tool messages need a tool_call_id', `messages[${i}].tool_call_id`);
      return { role: 'tool', tool_call_id: message.tool_call_id, content: textOfContent(message.content) };
  }
}

function convertTools(req: ChatRequest): Pick<CohereChatRequest, 'tools' | 'tool_choice'> {
  if (!req.tools?.length) return {};
  const all: CohereTool[] = req.tools.map((t) => ({
    type: 'function',
    function: {
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    },
  }));
  const choice = req.tool_choice;
  if (choice === undefined || choice === 'auto') return { tools: all };
  if (choice === 'none') return { tools: all, tool_choice: 'NONE' };
  if (choice === 'required') return { tools: all, tool_choice: 'REQUIRED' };
  // Cohere cannot name the tool to call: offer only that tool and require a call.
  const named = all.filter((t) => t.function.name === choice.function.name);
  if (named.length === 0) throw invalidRequest(`tool_choice names "${choice.function.name}", which is not in tools`, 'tool_choice');
  return { tools: named, tool_choice: 'REQUIRED' };
}

export function buildCohereBody(req: ChatRequest, target: Target): CohereChatRequest {
  if (req.n !== undefined && req.n > 1) throw invalidRequest('Cohere returns one choice per request; n must be 1', 'n');
  const body: CohereChatRequest = { model: target.model, messages: req.messages.map(convertMessage), stream: req.stream === true, ...convertTools(req) };
  const format = req.response_format;
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
  if (format?.type === 'json_schema')
    body.response_format = { type: 'json_object', ...(format.json_schema.schema ? { json_schema: format.json_schema.schema } : {}) };
  if (req.stop !== undefined) body.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.top_p !== undefined) body.p = req.top_p;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.frequency_penalty !== undefined) body.frequency_penalty = req.frequency_penalty;
  if (req.presence_penalty !== undefined) body.presence_penalty = req.presence_penalty;
  return body;
}

export function buildCohereChatRequest(req: ChatRequest, target: Target): UpstreamRequest {
  return {
    url: cohereUrl(target, '/v2/chat'),
    method: 'POST',
    headers: cohereHeaders(target, req.stream ? 'text/event-stream' : 'application/json'),
    body: JSON.stringify(buildCohereBody(req, target)),
  };
}
