// OpenAI ChatRequest -> the body an OpenAI-compatible provider accepts. Pure.
// https://platform.openai.com/docs/api-reference/chat/create
import type { ChatMessage, ChatRequest, ContentPart, EmbeddingsRequest, Tool, ToolChoice } from '../../openai/types';
import { GatewayError, type Target, type UpstreamRequest } from '../contract';
import { portableTools } from '../shared/portable-tools';
import type { CompatibleConfig } from './config';
import { applyParamTable } from './apply-param-table';

/** Fields of ChatRequest the gateway models; everything else is "unknown". */
const KNOWN_CHAT_FIELDS = new Set<string>([
  'model',
  'messages',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'n',
  'presence_penalty',
  'frequency_penalty',
  'user',
  'stream',
  'stream_options',
  'logprobs',
  'top_logprobs',
  // Reasoning servers (vLLM, Groq, DeepSeek...) take OpenAI's switch; the client asked for it.
  'reasoning_effort',
]);

/** The gateway's own request fields (Anthropic's `thinking` from the Anthropic ingress), never sent to an OpenAI-style API. */
const GATEWAY_FIELDS = new Set<string>(['thinking']);

/** Message fields in OpenAI's documented request schema. */
const OPENAI_MESSAGE_FIELDS = new Set<string>(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'refusal', 'audio', 'function_call']);
const OPENAI_PART_FIELDS = new Set<string>(['type', 'text', 'image_url', 'input_audio', 'file', 'refusal', 'prompt_cache_breakpoint']);

export function buildChatBody(req: ChatRequest, target: Target, config: CompatibleConfig): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req)) {
    if (v === undefined || GATEWAY_FIELDS.has(k)) continue;
    if (KNOWN_CHAT_FIELDS.has(k) || config.passUnknownFields) body[k] = v;
  }
  body.model = target.model;
  body.messages = req.messages.map((m) => toNativeMessage(m, config));
  if (config.functionToolsOnly && req.tools !== undefined) {
    const portable = portableTools(req, config.name);
    body.tools = portable.tools;
    if (portable.choice !== undefined) {
      const c = portable.choice;
      body.tool_choice = (typeof c === 'string' ? c : { type: 'function', function: { name: c.name } }) satisfies ToolChoice;
    }
  }
  if (config.messageFields === 'openai' && Array.isArray(body.tools)) body.tools = (body.tools as Tool[]).map(withoutCacheControl);
  if (req.stream) {
    // Always ask for usage so the gateway can count tokens; the server strips
    // the usage chunk again when the client did not ask for it.
    body.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return applyParamTable(body, config.params ?? {});
}

function toNativeMessage(m: ChatMessage, config: CompatibleConfig): Record<string, unknown> {
  const role = config.roles?.[m.role] ?? m.role;
  if (config.messageFields === 'all') {
    // provider_state is the gateway's own carrier for other providers' reasoning state.
    const { provider_state: _dropped, ...rest } = m;
    return { ...rest, role };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) if (OPENAI_MESSAGE_FIELDS.has(k) && v !== undefined) out[k] = v;
  if (Array.isArray(m.content)) out.content = m.content.map(openAiPart);
  return { ...out, role };
}

function openAiPart(part: ContentPart): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(part)) if (OPENAI_PART_FIELDS.has(k)) out[k] = v;
  return out;
}

function withoutCacheControl(tool: Tool): Tool {
  if (!('cache_control' in tool)) return tool;
  const { cache_control: _dropped, ...rest } = tool;
  return rest;
}

export function buildEmbeddingsBody(req: EmbeddingsRequest, target: Target, config: CompatibleConfig): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req)) if (v !== undefined) body[k] = v;
  body.model = target.model;
  return applyParamTable(body, config.embeddingParams ?? {});
}

export function upstreamUrl(target: Target, route: 'chat' | 'embeddings', config: CompatibleConfig): string {
  if (config.url) return config.url(target, route);
  const base = target.options.baseUrl ?? config.baseUrl;
  if (!base) {
    throw new GatewayError(`Destination for ${config.name} has no baseUrl configured`, 500, 'server_error', 'gateway_misconfigured', null);
  }
  return `${base.replace(/\/+$/, '')}${route === 'chat' ? '/chat/completions' : '/embeddings'}`;
}

export function upstreamHeaders(target: Target, config: CompatibleConfig): Record<string, string> {
  const headers: Record<string, string> = { ...(target.options.headers ?? {}), 'content-type': 'application/json' };
  const key = target.credentials.apiKey;
  if (key) {
    if (config.auth.kind === 'bearer') headers.authorization = `Bearer ${key}`;
    else headers[config.auth.name] = key;
  }
  return headers;
}

export function buildChatRequest(req: ChatRequest, target: Target, config: CompatibleConfig): UpstreamRequest {
  const headers = upstreamHeaders(target, config);
  if (req.stream) headers.accept = 'text/event-stream';
  return { url: upstreamUrl(target, 'chat', config), method: 'POST', headers, body: JSON.stringify(buildChatBody(req, target, config)) };
}

export function buildEmbeddingsRequest(req: EmbeddingsRequest, target: Target, config: CompatibleConfig): UpstreamRequest {
  return {
    url: upstreamUrl(target, 'embeddings', config),
    method: 'POST',
    headers: upstreamHeaders(target, config),
    body: JSON.stringify(buildEmbeddingsBody(req, target, config)),
  };
}
