// Ollama's done_reason to OpenAI's finish_reason (Ollama says nothing of tool calls).
import type { FinishReason } from '../../openai/types';

export function mapOllamaDoneReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === 'length') return 'length';
  return hasToolCalls ? 'tool_calls' : 'stop';
}
