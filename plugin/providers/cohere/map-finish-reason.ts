// Cohere's finish_reason to OpenAI's.
// https://docs.cohere.com/reference/chat (finish_reason)
import type { FinishReason } from '../../openai/types';
import type { CohereFinishReason } from './types';

export function mapCohereFinishReason(reason: CohereFinishReason | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'TOOL_CALL':
      return 'tool_calls';
    case 'ERROR_TOXIC':
      return 'content_filter';
    default:
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}
