// The Anthropic Messages API as clients send it to the gateway. The wire
// types the provider translation already defines are reused; this file only
// widens them where a client may send more than the provider side ever
// produces (system as blocks, thinking blocks echoed back, cache_control...).
// https://platform.claude.com/docs/en/api/messages
import type {
  AnthropicCacheControl,
  AnthropicDocumentBlock,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicRequest,
  AnthropicResponse,
  AnthropicStopReason,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolUseBlock,
} from '../../providers/anthropic/types';

export type {
  AnthropicCacheControl,
  AnthropicDocumentBlock,
  AnthropicErrorBody,
  AnthropicImageBlock,
  AnthropicResponse,
  AnthropicStopReason,
  AnthropicStreamEvent,
  AnthropicTextBlock,
  AnthropicToolChoice,
  AnthropicToolUseBlock,
} from '../../providers/anthropic/types';

/** Extended-thinking blocks a client echoes back in assistant turns (signed by Anthropic). */
export interface AnthropicThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature?: string;
}
/**
 * Anthropic's encrypted thinking; the gateway also puts its provider_state in
 * one (see provider-state.ts). A type alias, not an interface, so it fits the
 * response block union's index signature.
 */
export type AnthropicRedactedThinkingBlock = {
  type: 'redacted_thinking';
  data: string;
};

/** What a client may put in a tool_result's content. */
export type IngressToolResultContent = AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | IngressSearchResultBlock;

export interface IngressToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | IngressToolResultContent[];
  is_error?: boolean;
  cache_control?: AnthropicCacheControl | null;
}

/** https://platform.claude.com/docs/en/build-with-claude/search-results */
export interface IngressSearchResultBlock {
  type: 'search_result';
  source: string;
  title: string;
  content: AnthropicTextBlock[];
  cache_control?: AnthropicCacheControl | null;
}

export type IngressBlock =
  | AnthropicTextBlock
  | AnthropicImageBlock
  | AnthropicDocumentBlock
  | AnthropicToolUseBlock
  | IngressToolResultBlock
  | IngressSearchResultBlock
  | AnthropicThinkingBlock
  | AnthropicRedactedThinkingBlock;

export interface IngressMessage extends Omit<AnthropicMessage, 'content'> {
  content: string | IngressBlock[];
}

/** A custom tool; `type` is optional and, when present, "custom" (server tools are refused). */
export interface IngressTool extends AnthropicTool {
  type?: 'custom';
  strict?: boolean;
}

/** A validated client request (see validate.ts). */
export interface IngressRequest extends Omit<AnthropicRequest, 'system' | 'messages' | 'tools' | 'metadata' | 'thinking'> {
  system?: string | AnthropicTextBlock[];
  messages: IngressMessage[];
  tools?: IngressTool[];
  metadata?: { user_id?: string | null };
  /** Accepted and ignored: OpenAI has no top-k. */
  top_k?: number;
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' } | { type: 'adaptive' };
}

/** The non-streamed answer's usage: input_tokens excludes what was read from or written to the cache. */
export interface AnthropicMessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/** The non-streamed answer; `usage` always carries both counts. */
export interface AnthropicMessageResponse extends Omit<AnthropicResponse, 'usage' | 'stop_reason'> {
  stop_reason: AnthropicStopReason;
  usage: AnthropicMessageUsage;
}
