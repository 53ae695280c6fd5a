import type { FinishReason } from '../../openai/types';
import type { BedrockStopReason } from './types';

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax */
export function mapBedrockStopReason(reason: BedrockStopReason | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
      return 'length';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    default:
      return hasToolCalls ? 'tool_calls' : 'stop';
  }
}
