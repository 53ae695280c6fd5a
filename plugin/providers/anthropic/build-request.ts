// OpenAI ChatRequest -> Anthropic Messages request. Pure.
// https://platform.claude.com/docs/en/api/messages
import type { ChatRequest } from '../../openai/types';
import type { Target, UpstreamRequest } from '../contract';
import { applyParamTable, type ParamTable } from '../openai-compatible/apply-param-table';
import { invalidRequest } from '../shared/errors';
import { planClaudeThinking } from '../shared/claude-thinking';
import { JSON_OBJECT_INSTRUCTION } from '../shared/json-object-instruction';
import { convertMessages, hasSignedThinking } from './convert-to-anthropic-messages';
import { limitCacheBreakpoints } from './limit-cache-breakpoints';
import { prepareTools } from './prepare-tools';
import type { AnthropicRequest, AnthropicTextBlock } from './types';
import { BASE_URL_RULES } from '../shared/normalize-base-url';

export const ANTHROPIC_BASE_URL = BASE_URL_RULES.anthropic.default!;
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic requires max_tokens; OpenAI clients usually omit it. The default
 * is deliberately modest (it is also what budget reservation prices): 4096,
 * or 8192 for models whose output limit is comfortably above that.
 * Longest matching prefix wins.
 */
export const DEFAULT_MAX_TOKENS = 4096;
const MAX_TOKENS_BY_MODEL: Array<[prefix: string, maxTokens: number]> = [
  ['claude-3-haiku', 4096],
  ['claude-3-opus', 4096],
  ['claude-3-5-', 8192],
  ['claude-3-7-', 8192],
  ['claude-sonnet-4', 8192],
  ['claude-opus-4', 8192],
  ['claude-haiku-4', 8192],
];

export function defaultMaxTokens(model: string): number {
  let best: [string, number] | undefined;
  for (const entry of MAX_TOKENS_BY_MODEL) if (model.startsWith(entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  return best ? best[1] : DEFAULT_MAX_TOKENS;
}

/** Plain field differences. OpenAI's temperature goes to 2, Anthropic's to 1. */
const PARAMS: ParamTable = {
  max_completion_tokens: { rename: 'max_tokens' },
  stop: { rename: 'stop_sequences' },
  temperature: { clamp: { min: 0, max: 1 } },
};

export function buildAnthropicBody(req: ChatRequest, target: Target): AnthropicRequest {
  if (req.n !== undefined && req.n > 1) throw invalidRequest('Anthropic models return one choice; n must be 1', 'n');
  const thinking = planClaudeThinking(req, target.model, defaultMaxTokens(target.model), hasSignedThinking);
  const { system, messages } = convertMessages(req.messages, { thinking: thinking !== undefined });
  if (messages.length === 0) throw invalidRequest('At least one user or assistant message with content is required', 'messages');

  const plain = applyParamTable(
    {
      max_completion_tokens: req.max_completion_tokens,
      max_tokens: req.max_tokens,
      stop: req.stop === undefined ? undefined : Array.isArray(req.stop) ? req.stop : [req.stop],
      temperature: req.temperature,
    },
    PARAMS,
  ) as { max_tokens?: number; stop_sequences?: string[]; temperature?: number };

  if (req.response_format?.type === 'json_object') system.push({ type: 'text', text: JSON_OBJECT_INSTRUCTION });

  const body: AnthropicRequest = {
    model: target.model,
    max_tokens: thinking?.maxTokens ?? plain.max_tokens ?? defaultMaxTokens(target.model),
    messages,
  };
  if (system.length > 0) body.system = systemField(system);
  Object.assign(body, prepareTools(req));
  if (plain.stop_sequences && plain.stop_sequences.length > 0) body.stop_sequences = plain.stop_sequences;
  if (thinking) {
    body.thinking = { type: 'enabled', budget_tokens: thinking.budgetTokens };
    // Thinking takes no temperature and a top_p of at least 0.95 (see claude-thinking.ts).
    if (typeof req.top_p === 'number' && req.top_p >= 0.95) body.top_p = req.top_p;
  } else {
    if (plain.temperature !== undefined) body.temperature = plain.temperature;
    if (req.top_p !== undefined) body.top_p = req.top_p;
  }
  if (typeof req.user === 'string') body.metadata = { user_id: req.user };
  if (req.response_format?.type === 'json_schema') {
    // Anthropic's structured outputs (JSON outputs): the answer is JSON text in a text block,
    // so responses and streams need no special handling.
    body.output_config = { format: { type: 'json_schema', schema: req.response_format.json_schema.schema ?? { type: 'object' } } };
  }
  if (req.stream) body.stream = true;
  limitCacheBreakpoints(body);
  // Dropped, no Anthropic equivalent: seed, presence_penalty, frequency_penalty, stream_options
  // (Anthropic streams always carry usage), metadata, store, prediction, service_tier.
  return body;
}

/** The short string form unless a block carries a cache marker (which needs the block form). */
function systemField(blocks: AnthropicTextBlock[]): string | AnthropicTextBlock[] {
  return blocks.some((b) => b.cache_control) ? blocks : blocks.map((b) => b.text).join('\n\n');
}

export function buildAnthropicRequest(req: ChatRequest, target: Target): UpstreamRequest {
  const headers: Record<string, string> = {
    ...(target.options.headers ?? {}),
    'content-type': 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
  };
  if (target.credentials.apiKey) headers['x-api-key'] = target.credentials.apiKey;
  if (req.stream) headers.accept = 'text/event-stream';
  const base = (target.options.baseUrl ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '');
  return { url: `${base}/v1/messages`, method: 'POST', headers, body: JSON.stringify(buildAnthropicBody(req, target)) };
}
