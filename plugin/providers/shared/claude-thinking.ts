// Extended thinking for Claude models, on Anthropic's API and on Bedrock.
// https://platform.claude.com/docs/en/build-with-claude/extended-thinking
//
// Rules (Anthropic's, and how the gateway meets them):
// - budget_tokens >= 1024 and < max_tokens. OpenAI's max_completion_tokens
//   bounds reasoning and answer together, exactly like Anthropic's
//   max_tokens, so a client's limit is kept as it is and the budget shrinks
//   to fit under it; below the minimum, the request goes without thinking.
//   Without a client limit, max_tokens becomes the usual default plus the
//   budget, never above the model's output limit (which is also what budget
//   reservation assumes for a request without a limit).
// - Thinking cannot be combined with a forced tool (tool_choice any/tool):
//   the client's tool choice wins and thinking is left off.
// - In a tool loop, the assistant turn that called the tools must start with
//   its signed thinking. When that state is lost (a client dropped it and the
//   gateway's state store has none), thinking is left off for the request
//   rather than failing it.
// - temperature must stay at its default and top_p at >= 0.95: they are
//   dropped while thinking is on.
import { defaultMaxOutputTokens } from '../../budget/output-limits';
import type { ChatMessage, ChatRequest } from '../../openai/types';
import { CLAUDE_MIN_THINKING_BUDGET, CLAUDE_THINKING_BUDGET, reasoningRequest } from './reasoning-effort';

export interface ClaudeThinkingPlan {
  budgetTokens: number;
  maxTokens: number;
}

/** Claude models with extended thinking: 3.7 Sonnet and every Claude 4 model. */
export function claudeCanThink(model: string): boolean {
  return /claude-(3-7-|(sonnet|opus|haiku)-4|4-(sonnet|opus))/.test(model.toLowerCase());
}

/**
 * The thinking to request, or undefined for none. `defaultMaxTokens` is what
 * the request sends without a client limit.
 */
export function planClaudeThinking(
  req: ChatRequest,
  model: string,
  defaultMaxTokens: number,
  hasSignedThinking: (m: ChatMessage) => boolean,
): ClaudeThinkingPlan | undefined {
  const asked = reasoningRequest(req);
  if (!asked || asked.kind === 'off' || !claudeCanThink(model)) return undefined;
  if (forcesTool(req)) return undefined;
  const loop = toolLoopTurn(req.messages);
  if (loop && !hasSignedThinking(loop)) return undefined;
  let budget = asked.kind === 'budget' ? asked.tokens : CLAUDE_THINKING_BUDGET[asked.effort];
  const limit = req.max_completion_tokens ?? req.max_tokens;
  const maxTokens = limit ?? Math.min(defaultMaxTokens + budget, defaultMaxOutputTokens(model));
  budget = Math.min(budget, maxTokens - 1);
  return budget >= CLAUDE_MIN_THINKING_BUDGET ? { budgetTokens: budget, maxTokens } : undefined;
}

function forcesTool(req: ChatRequest): boolean {
  const c = req.tool_choice;
  if (c === undefined || c === 'auto' || c === 'none') return false;
  if (c === 'required') return true;
  return c.type !== 'allowed_tools' || c.allowed_tools.mode === 'required';
}

/** The assistant message whose tool calls the conversation is answering right now, if it ends in a tool loop. */
export function toolLoopTurn(messages: ChatMessage[]): ChatMessage | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === 'tool') continue;
    return m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0 ? m : undefined;
  }
  return undefined;
}
