// OpenAI chat request to Cohere v2 chat.
// Reference: https://docs.cohere.com/reference/chat
import type { ChatMessage, ChatRequest } from '../../openai/types';
import type { Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { functionCalls, portableTools } from '../shared/portable-tools';
import { CLAUDE_THINKING_BUDGET, reasoningRequest } from '../shared/reasoning-effort';
import { refuseOpenAiOnlyFeatures } from '../shared/refuse-openai-only-features';
import { textOfContent } from '../shared/text-of-content';
import { toolResultText } from '../shared/tool-result-text';
import { unsupportedPart } from '../shared/unsupported-part';
import { cohereHeaders, cohereUrl } from './build-endpoint';
import type { CohereChatRequest, CohereContentPart, CohereMessage, CohereTool } from './types';

function convertUserContent(content: ChatMessage['content'], at: string): string | CohereContentPart[] {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part, j): CohereContentPart => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type === 'image_url') return { type: 'image_url', image_url: { url: part.image_url.url } };
    throw unsupportedPart(part, 'Cohere', `${at}.content[${j}]`);
  });
}

function convertMessage(message: ChatMessage, i: number): CohereMessage | undefined {
  const at = `messages[${i}]`;
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOfContent(message.content) };
    case 'user':
      return { role: 'user', content: convertUserContent(message.content, at) };
    case 'assistant': {
      const text = textOfContent(message.content);
      const calls = functionCalls(message, at, 'Cohere');
      if (calls.length > 0) {
        // Cohere keeps the text that precedes tool calls as the tool plan.
        return {
          role: 'assistant',
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function',
            function: { name: c.function.name, arguments: c.function.arguments || '{}' },
          })),
          ...(text !== '' ? { tool_plan: text } : {}),
        };
      }
      // An assistant turn with nothing in it (no text, no calls) is left out: Cohere refuses empty content.
      return text === '' ? undefined : { role: 'assistant', content: text };
    }
    case 'tool':
      if (!message.tool_call_id) throw invalidRequest('Tool messages need a tool_call_id', `messages[${i}].tool_call_id`);
      return { role: 'tool', tool_call_id: message.tool_call_id, content: toolResultText(message, at, 'Cohere') };
  }
}

function convertTools(req: ChatRequest): Pick<CohereChatRequest, 'tools' | 'tool_choice'> {
  const portable = portableTools(req, 'Cohere');
  if (portable.tools.length === 0) return {};
  const all: CohereTool[] = portable.tools.map((t) => ({
    type: 'function',
    function: {
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    },
  }));
  const choice = portable.choice;
  if (choice === undefined || choice === 'auto') return { tools: all };
  if (choice === 'none') return { tools: all, tool_choice: 'NONE' };
  if (choice === 'required') return { tools: all, tool_choice: 'REQUIRED' };
  // Cohere cannot name the tool to call: offer only that tool and require a call.
  const named = all.filter((t) => t.function.name === choice.name);
  if (named.length === 0) throw invalidRequest(`tool_choice names "${choice.name}", which is not in tools`, 'tool_choice');
  return { tools: named, tool_choice: 'REQUIRED' };
}

export function buildCohereBody(req: ChatRequest, target: Target): CohereChatRequest {
  if (req.n !== undefined && req.n > 1) throw invalidRequest('Cohere returns one choice per request; n must be 1', 'n');
  refuseOpenAiOnlyFeatures(req, 'Cohere');
  const messages = req.messages.map(convertMessage).filter((m): m is CohereMessage => m !== undefined);
  const body: CohereChatRequest = { model: target.model, messages, stream: req.stream === true, ...convertTools(req) };
  const thinking = cohereThinking(req, target.model);
  if (thinking) body.thinking = thinking;
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

/**
 * Command A Reasoning's thinking switch: off for effort "none", else on with
 * the Claude budget of the effort (see reasoning-effort.ts). Other Cohere
 * models have no reasoning and get nothing.
 * https://docs.cohere.com/docs/reasoning
 */
function cohereThinking(req: ChatRequest, model: string): CohereChatRequest['thinking'] {
  const asked = reasoningRequest(req);
  if (!asked || !/reasoning/.test(model)) return undefined;
  if (asked.kind === 'off') return { type: 'disabled' };
  return { type: 'enabled', token_budget: asked.kind === 'budget' ? asked.tokens : CLAUDE_THINKING_BUDGET[asked.effort] };
}

export function buildCohereChatRequest(req: ChatRequest, target: Target): UpstreamRequest {
  return {
    url: cohereUrl(target, '/v2/chat'),
    method: 'POST',
    headers: cohereHeaders(target, req.stream ? 'text/event-stream' : 'application/json'),
    body: JSON.stringify(buildCohereBody(req, target)),
  };
}
