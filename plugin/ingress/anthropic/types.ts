// The Anthropic Messages API as clients send it to the gateway. The wire
// types the provider translation already defines are reused; this file only
// widens them where a client may send more than the provider side ever
// produces (system as blocks, thinking blocks echoed back, cache_control...).
// https://platform.claude.com/docs/en/api/messages
import type {
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicResponse,
  AnthropicStopReason,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from '../../providers/anthropic/types';

export type {
  AnthropicErrorBody,
  AnthropicImageBlock,
  AnthropicResponse,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicTextBlock,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  AnthropicToolUseBlock,
} from '../../providers/anthropic/types';

/** Extended-thinking blocks a client echoes back in assistant turns; they mean nothing to other providers. */
export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}
/**
 * Opaque to clients; the gateway puts its provider_state in one (see provider-state.ts).
 * A type alias, not an interface, so it fits the response block union's index signature.
 */
export type AnthropicRedactedThinkingBlock = {
  type: 'redacted_thinking';
  data: string;
};

export type IngressBlock =
  AnthropicTextBlock | AnthropicImageBlock | AnthropicToolUseBlock | AnthropicToolResultBlock | AnthropicThinkingBlock | AnthropicRedactedThinkingBlock;

export interface IngressMessage extends Omit<AnthropicMessage, 'content'> {
  content: string | IngressBlock[];
}

/** A custom tool; `type` is optional and, when present, "custom" (server tools are refused). */
export interface IngressTool extends AnthropicTool {
  type?: 'custom';
  strict?: boolean;
}

/** A validated client request (see validate.ts). */
export interface IngressRequest extends Omit<AnthropicRequest, 'system' | 'messages' | 'tools' | 'metadata'> {
  system?: string | AnthropicTextBlock[];
  messages: IngressMessage[];
  tools?: IngressTool[];
  metadata?: { user_id?: string | null };
  /** Accepted and ignored: OpenAI has no top-k. */
  top_k?: number;
}

/** The non-streamed answer; `usage` always carries both counts. */
export interface AnthropicMessageResponse extends Omit<AnthropicResponse, 'usage' | 'stop_reason'> {
  stop_reason: AnthropicStopReason;
  usage: { input_tokens: number; output_tokens: number };
}
