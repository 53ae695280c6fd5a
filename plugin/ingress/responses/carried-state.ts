// What a provider needs back next turn (Anthropic's signed thinking blocks,
// Gemini's thought signatures: `thinking_blocks` and `provider_state` on the
// assistant message) travels through a Responses client in the one field
// made for it: a reasoning item's `encrypted_content`, which clients send
// back unchanged when they replay the conversation (store: false, or the
// Agents SDK's full history).
//
//   encrypted_content = "llmgw1." + base64url(JSON.stringify({ provider_state?, thinking_blocks? }))
//
// Content without the marker is some other system's and is ignored.
import type { AssistantMessage, ChatMessage } from '../../openai/types';

const MARKER = 'llmgw1.';
/** A few signed reasoning blocks are a few KiB; far beyond is not ours. */
const MAX_LENGTH = 256 * 1024;

export type CarriedState = Pick<ChatMessage, 'provider_state' | 'thinking_blocks'>;

export function hasCarriedState(message: Pick<AssistantMessage, 'provider_state' | 'thinking_blocks'>): boolean {
  return (!!message.provider_state && Object.keys(message.provider_state).length > 0) || (message.thinking_blocks?.length ?? 0) > 0;
}

export function encodeCarriedState(message: Pick<AssistantMessage, 'provider_state' | 'thinking_blocks'>): string {
  const state: CarriedState = {};
  if (message.provider_state && Object.keys(message.provider_state).length > 0) state.provider_state = message.provider_state;
  if (message.thinking_blocks?.length) state.thinking_blocks = message.thinking_blocks;
  return MARKER + Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/** The state in `encrypted_content`, or undefined when it is not the gateway's (or damaged). */
export function decodeCarriedState(content: string | null | undefined): CarriedState | undefined {
  if (!content?.startsWith(MARKER) || content.length > MAX_LENGTH) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(content.slice(MARKER.length), 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const { provider_state, thinking_blocks } = parsed as CarriedState;
    return {
      ...(provider_state && typeof provider_state === 'object' ? { provider_state } : {}),
      ...(Array.isArray(thinking_blocks) ? { thinking_blocks } : {}),
    };
  } catch {
    return undefined;
  }
}
