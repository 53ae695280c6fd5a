import type { ChatMessage } from '../../openai/types';

/** A message's text: its string content or its text parts joined (other parts dropped); absent content is ''. */
export function textOfContent(content: ChatMessage['content'] | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}
