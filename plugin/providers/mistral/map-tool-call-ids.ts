// Mistral rejects tool-call ids that are not exactly 9 characters of
// [a-zA-Z0-9]. Ids minted by OpenAI or other providers ("call_abc...",
// "toolu_...") are mapped to 9-char ids derived from a hash, so the assistant
// message's tool_calls and the tool message that answers them get the same
// id in every request of the conversation, with no state kept anywhere.
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../../openai/types';

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function toMistralToolCallId(id: string): string {
  if (MISTRAL_ID.test(id)) return id;
  const digest = createHash('sha256').update(id).digest();
  let out = '';
  for (let i = 0; i < 9; i++) out += ALPHABET.charAt(digest[i]! % ALPHABET.length);
  return out;
}

export function mapToolCallIds(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((m) => {
    if (m.role === 'assistant' && m.tool_calls?.length) {
      return { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, id: toMistralToolCallId(c.id) })) };
    }
    if (m.role === 'tool' && m.tool_call_id !== undefined) return { ...m, tool_call_id: toMistralToolCallId(m.tool_call_id) };
    return m;
  });
}
