import type { ChatMessage } from '../../openai/types';
import { invalidRequest } from './errors';

/**
 * A tool message's text, for providers whose tool results are text only: a
 * non-text part (an image an Anthropic client put in a tool_result) is a 400
 * naming it, never dropped without a word.
 */
export function toolResultText(message: ChatMessage, at: string, provider: string): string {
  const content = message.content;
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part, j) => {
      if (part.type !== 'text') throw invalidRequest(`${provider} takes text only in tool results`, `${at}.content[${j}].type`);
      return part.text;
    })
    .join('');
}
