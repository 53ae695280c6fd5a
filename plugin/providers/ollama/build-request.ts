// OpenAI chat request to Ollama /api/chat.
// Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
import type { ChatMessage, ChatRequest } from '../../openai/types';
import type { Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { parseBase64DataUrl } from '../shared/parse-base64-data-url';
import { parseToolArguments } from '../shared/parse-tool-arguments';
import { functionCalls, portableTools } from '../shared/portable-tools';
import { reasoningRequest } from '../shared/reasoning-effort';
import { refuseOpenAiOnlyFeatures } from '../shared/refuse-openai-only-features';
import { unsupportedPart } from '../shared/unsupported-part';
import { ollamaHeaders, ollamaUrl } from './build-endpoint';
import type { OllamaChatRequest, OllamaMessage, OllamaOptions } from './types';

function textAndImages(content: ChatMessage['content'], param: string): { text: string; images: string[] } {
  if (content == null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((part, i) => {
    if (part.type === 'text') {
      texts.push(part.text);
      return;
    }
    if (part.type !== 'image_url') throw unsupportedPart(part, 'Ollama', `${param}.content[${i}]`);
    const image = parseBase64DataUrl(part.image_url.url);
    // Ollama takes raw base64 images and never fetches URLs.
    if (!image) throw invalidRequest('Ollama accepts images as base64 data: URLs only', `${param}.content[${i}].image_url.url`);
    images.push(image.data);
  });
  return { text: texts.join('\n'), images };
}

function convertMessages(messages: ChatMessage[]): OllamaMessage[] {
  const nameByToolCallId = new Map<string, string>();
  return messages.map((message, i) => {
    const param = `messages[${i}]`;
    const { text, images } = textAndImages(message.content, param);
    const role = message.role === 'developer' ? 'system' : message.role;
    const out: OllamaMessage = { role, content: text };
    if (images.length > 0) out.images = images;
    const calls = message.role === 'assistant' ? functionCalls(message, param, 'Ollama') : [];
    if (calls.length > 0) {
      out.tool_calls = calls.map((call, j) => {
        nameByToolCallId.set(call.id, call.function.name);
        return {
          function: { name: call.function.name, arguments: parseToolArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`) },
        };
      });
    }
    if (message.role === 'tool') {
      const name = (message.tool_call_id && nameByToolCallId.get(message.tool_call_id)) || message.name;
      if (name) out.tool_name = name;
    }
    return out;
  });
}

function convertOptions(req: ChatRequest): OllamaOptions | undefined {
  const options: OllamaOptions = {};
  if (req.temperature !== undefined) options.temperature = req.temperature;
  if (req.top_p !== undefined) options.top_p = req.top_p;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== undefined) options.num_predict = maxTokens;
  if (req.stop !== undefined) options.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.seed !== undefined) options.seed = req.seed;
  if (req.presence_penalty !== undefined) options.presence_penalty = req.presence_penalty;
  if (req.frequency_penalty !== undefined) options.frequency_penalty = req.frequency_penalty;
  return Object.keys(options).length > 0 ? options : undefined;
}

export function buildOllamaBody(req: ChatRequest, target: Target): OllamaChatRequest {
  if (req.n !== undefined && req.n > 1) throw invalidRequest('Ollama returns one choice per request; n must be 1', 'n');
  refuseOpenAiOnlyFeatures(req, 'Ollama');
  const body: OllamaChatRequest = { model: target.model, messages: convertMessages(req.messages), stream: req.stream === true };
  const portable = portableTools(req, 'Ollama');
  // tool_choice has no Ollama equivalent: "none" leaves the tools out, other values are the model's call.
  if (portable.tools.length > 0 && portable.choice !== 'none') {
    body.tools = portable.tools.map((t) => ({
      type: 'function',
      function: {
        name: t.function.name,
        ...(t.function.description !== undefined ? { description: t.function.description } : {}),
        parameters: t.function.parameters ?? { type: 'object', properties: {} },
      },
    }));
  }
  const format = req.response_format;
  if (format?.type === 'json_object') body.format = 'json';
  if (format?.type === 'json_schema') body.format = format.json_schema.schema ?? 'json';
  const options = convertOptions(req);
  if (options) body.options = options;
  const think = ollamaThink(req, target.model);
  if (think !== undefined) body.think = think;
  return body;
}

/**
 * Ollama's `think`: gpt-oss models take a level (low/medium/high), others
 * on or off. Sent only when the client asks for reasoning (Ollama refuses
 * `think` for models that cannot think, as OpenAI refuses reasoning_effort).
 * https://docs.ollama.com/capabilities/thinking
 */
function ollamaThink(req: ChatRequest, model: string): OllamaChatRequest['think'] {
  const asked = reasoningRequest(req);
  if (!asked) return undefined;
  if (asked.kind === 'off') return false;
  if (!/gpt-oss/.test(model)) return true;
  if (asked.kind === 'budget') return asked.tokens <= 2048 ? 'low' : asked.tokens <= 8192 ? 'medium' : 'high';
  return asked.effort === 'minimal' || asked.effort === 'low' ? 'low' : asked.effort === 'medium' ? 'medium' : 'high';
}

export function buildOllamaChatRequest(req: ChatRequest, target: Target): UpstreamRequest {
  return { url: ollamaUrl(target, '/api/chat'), method: 'POST', headers: ollamaHeaders(target), body: JSON.stringify(buildOllamaBody(req, target)) };
}
