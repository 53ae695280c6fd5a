import type { FinishReason } from '../../openai/types';

/** Finish reasons of OpenAI-compatible servers -> OpenAI's four. */
const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  eos: 'stop',
  end_turn: 'stop',
  length: 'length',
  model_length: 'length', // Mistral
  max_tokens: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls', // legacy OpenAI
  content_filter: 'content_filter',
};

/**
 * Maps a native finish reason. A choice that carried tool calls always
 * finishes with `tool_calls`: several servers (Ollama, some vLLM builds) say
 * `stop` there, and clients then never run the tools.
 */
export function mapFinishReason(native: string | null | undefined, hadToolCalls: boolean): FinishReason | null {
  if (native === null || native === undefined) return null;
  const mapped = FINISH_REASONS[native] ?? 'stop';
  return hadToolCalls && mapped === 'stop' ? 'tool_calls' : mapped;
}
