// https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons
import type { FinishReason } from '../../openai/types';

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // pause_turn: a server tool paused a long turn; for an OpenAI client the turn is simply over.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function mapStopReason(reason: string | null | undefined): FinishReason | null {
  if (reason === null || reason === undefined) return null;
  return STOP_REASONS[reason] ?? 'stop';
}
