import type { FinishReason } from '../../openai/types';
import type { GeminiFinishReason } from './types';

const CONTENT_FILTER_REASONS = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/**
 * Gemini says STOP when the model ends its turn with function calls; clients
 * that loop on `finish_reason === 'tool_calls'` need the OpenAI value.
 */
export function mapGeminiFinishReason(reason: GeminiFinishReason | undefined, hasFunctionCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && CONTENT_FILTER_REASONS.has(reason)) return 'content_filter';
  return hasFunctionCalls ? 'tool_calls' : 'stop';
}
