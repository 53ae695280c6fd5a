// OpenAI finish_reason -> Anthropic stop_reason.
// https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons
import type { FinishReason } from '../../openai/types';
import type { AnthropicStopReason } from './types';

const STOP_REASONS: Record<FinishReason, AnthropicStopReason> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/**
 * OpenAI cannot say which stop sequence matched, so `stop` is always
 * end_turn. Some providers finish a turn that called tools with `stop`
 * (Gemini does); an Anthropic client decides whether to run tools from
 * stop_reason, so tool calls win over `stop` and a missing reason.
 */
export function mapFinishReason(reason: FinishReason | null | undefined, calledTools: boolean): AnthropicStopReason {
  if (calledTools && (reason === 'stop' || reason === null || reason === undefined)) return 'tool_use';
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a reason outside OpenAI's four (a server's own) still ends the turn
  return reason ? (STOP_REASONS[reason] ?? 'end_turn') : 'end_turn';
}

/** Anthropic message ids look like `msg_...`; the gateway's completion id keeps its uniqueness. */
export function messageId(completionId: string): string {
  return `msg_${completionId.replace(/^chatcmpl-/, '')}`;
}
