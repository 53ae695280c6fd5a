// OpenAI's `reasoning_effort` in each provider's own terms, in one table so
// the mapping is documented once (README "Reasoning models").
//
// | effort  | Claude budget_tokens (Anthropic, Bedrock) | Gemini 2.5 thinkingBudget | Gemini 3 thinkingLevel (Pro / Flash) |
// |---------|-------------------------------------------|---------------------------|--------------------------------------|
// | none    | thinking off                              | 0 (Pro: its minimum, 128) | low / minimal                        |
// | minimal | 1024 (Anthropic's minimum)                | 512                       | low / minimal                        |
// | low     | 2048                                      | 1024                      | low / low                            |
// | medium  | 8192                                      | 8192                      | high / medium                        |
// | high    | 16384                                     | 24576                     | high / high                          |
// | xhigh   | 24576                                     | 32768 (Flash: 24576)      | high / high                          |
// | max     | 32000                                     | 32768 (Flash: 24576)      | high / high                          |
//
// Budgets grow about 4x per level from Anthropic's minimum, so `high` is the
// deep-thinking setting the providers' own guides use as an example (16k for
// Claude, Gemini Flash's 24k ceiling); each is clamped to the model's range.
// An explicit `thinking.budget_tokens` (Anthropic's own field) wins over
// the effort. Models that cannot think (Claude 3.5, Gemini 2.0...) ignore
// the effort, as OpenAI's non-reasoning models never see it either.
import type { ChatRequest, ReasoningEffort } from '../../openai/types';

export const CLAUDE_THINKING_BUDGET: Record<Exclude<ReasoningEffort, 'none'>, number> = {
  minimal: 1024,
  low: 2048,
  medium: 8192,
  high: 16384,
  xhigh: 24576,
  max: 32000,
};

/** Anthropic refuses smaller budgets. */
export const CLAUDE_MIN_THINKING_BUDGET = 1024;

export const GEMINI_THINKING_BUDGET: Record<ReasoningEffort, number> = {
  none: 0,
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 32768,
  max: 32768,
};

export type GeminiThinkingLevel = 'minimal' | 'low' | 'medium' | 'high';

export const GEMINI_3_THINKING_LEVEL: Record<'pro' | 'flash', Record<ReasoningEffort, GeminiThinkingLevel>> = {
  pro: { none: 'low', minimal: 'low', low: 'low', medium: 'high', high: 'high', xhigh: 'high', max: 'high' },
  flash: { none: 'minimal', minimal: 'minimal', low: 'low', medium: 'medium', high: 'high', xhigh: 'high', max: 'high' },
};

/**
 * What the client asked for: an explicit budget, an effort, thinking off,
 * or nothing (the provider's default). OpenAI's Responses-style
 * `reasoning: {effort}` is accepted too when a client sends it on chat.
 */
export type ReasoningRequest = { kind: 'budget'; tokens: number } | { kind: 'effort'; effort: Exclude<ReasoningEffort, 'none'> } | { kind: 'off' } | undefined;

export function reasoningRequest(req: ChatRequest): ReasoningRequest {
  if (req.thinking?.type === 'disabled') return { kind: 'off' };
  if (req.thinking?.type === 'enabled') return { kind: 'budget', tokens: req.thinking.budget_tokens };
  const effort = req.reasoning_effort ?? responsesStyleEffort(req.reasoning);
  if (effort === undefined) return undefined;
  return effort === 'none' ? { kind: 'off' } : { kind: 'effort', effort };
}

const EFFORTS = new Set<string>(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);

function responsesStyleEffort(reasoning: unknown): ReasoningEffort | undefined {
  const effort = (reasoning as { effort?: unknown } | undefined)?.effort;
  return typeof effort === 'string' && EFFORTS.has(effort) ? (effort as ReasoningEffort) : undefined;
}
