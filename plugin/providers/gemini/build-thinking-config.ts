// reasoning_effort (or an explicit thinking budget) -> Gemini's
// generationConfig.thinkingConfig. Gemini 3 takes a thinkingLevel, Gemini 2.5
// a thinkingBudget (each model with its own range); the two cannot be mixed.
// Thought summaries (returned as reasoning_content) are asked for whenever
// the client asks for reasoning. Models that do not think get nothing.
// https://ai.google.dev/gemini-api/docs/thinking
// https://ai.google.dev/api/generate-content#ThinkingConfig
import type { ChatRequest } from '../../openai/types';
import { GEMINI_3_THINKING_LEVEL, GEMINI_THINKING_BUDGET, reasoningRequest, type GeminiThinkingLevel } from '../shared/reasoning-effort';
import type { GeminiThinkingConfig } from './types';

/** Thinking budget range of each Gemini 2.5 model (`min` is 0 where thinking can be turned off). */
function budgetRange(model: string): { min: number; off: number; max: number } {
  if (/gemini-2\.5-pro/.test(model)) return { min: 128, off: 128, max: 32768 };
  if (/gemini-2\.5-flash-lite/.test(model)) return { min: 512, off: 0, max: 24576 };
  return { min: 1, off: 0, max: 24576 };
}

export function geminiThinkingConfig(req: ChatRequest, model: string): GeminiThinkingConfig | undefined {
  const asked = reasoningRequest(req);
  if (!asked) return undefined;
  const name = model.toLowerCase();
  if (/gemini-3/.test(name)) {
    const levels = GEMINI_3_THINKING_LEVEL[/gemini-3[^/]*-pro/.test(name) ? 'pro' : 'flash'];
    const level: GeminiThinkingLevel =
      asked.kind === 'off'
        ? levels.none
        : asked.kind === 'effort'
          ? levels[asked.effort]
          : levels[asked.tokens <= 1024 ? 'low' : asked.tokens <= 8192 ? 'medium' : 'high'];
    return { thinkingLevel: level, includeThoughts: asked.kind !== 'off' };
  }
  if (/gemini-2\.5/.test(name)) {
    const range = budgetRange(name);
    if (asked.kind === 'off') return { thinkingBudget: range.off };
    const wanted = asked.kind === 'budget' ? asked.tokens : GEMINI_THINKING_BUDGET[asked.effort];
    return { thinkingBudget: Math.max(range.min, Math.min(range.max, wanted)), includeThoughts: true };
  }
  return undefined;
}
