// OpenAI messages to Converse `system` + `messages`. Converse wants turns to
// alternate user/assistant, so adjacent messages of one role (parallel tool
// results, a tool result followed by a user remark) become one turn.
import type { ChatMessage, ContentPart } from '../../openai/types';
import { invalidRequest } from '../shared/errors';
import { parseBase64DataUrl } from '../shared/parse-base64-data-url';
import { parseToolArguments } from '../shared/parse-tool-arguments';
import { textOfContent } from '../shared/text-of-content';
import type { BedrockContentBlock, BedrockImageFormat, BedrockMessage } from './types';

const FORMAT_BY_MIME: Record<string, BedrockImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function convertPart(part: ContentPart, param: string): BedrockContentBlock | undefined {
  if (part.type === 'text') return part.text.length > 0 ? { text: part.text } : undefined;
  const image = parseBase64DataUrl(part.image_url.url);
  if (!image) {
    // Converse takes image bytes (or S3 locations), never an http URL it would fetch.
    throw invalidRequest('Bedrock accepts images as base64 data: URLs only', `${param}.image_url.url`);
  }
  const format = FORMAT_BY_MIME[image.mimeType.toLowerCase()];
  if (!format) throw invalidRequest(`Bedrock does not accept images of type ${image.mimeType}; use png, jpeg, gif or webp`, `${param}.image_url.url`);
  return { image: { format, source: { bytes: image.data } } };
}

function convertContent(content: ChatMessage['content'], param: string): BedrockContentBlock[] {
  if (content === null) return [];
  // Converse rejects blank text blocks.
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  return content.flatMap((part, i) => convertPart(part, `${param}.content[${i}]`) ?? []);
}

export interface BedrockPrompt {
  system: Array<{ text: string }>;
  messages: BedrockMessage[];
  /** True when the history holds toolUse/toolResult blocks (Converse then requires toolConfig). */
  hasToolBlocks: boolean;
}

export function convertToBedrockMessages(messages: ChatMessage[]): BedrockPrompt {
  const system: Array<{ text: string }> = [];
  const out: BedrockMessage[] = [];
  let hasToolBlocks = false;

  const push = (role: BedrockMessage['role'], content: BedrockContentBlock[]): void => {
    if (content.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...content);
    else out.push({ role, content });
  };

  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOfContent(message.content);
        if (text.length > 0) system.push({ text });
        break;
      }
      case 'user':
        push('user', convertContent(message.content, param));
        break;
      case 'assistant': {
        const content = convertContent(message.content, param);
        (message.tool_calls ?? []).forEach((call, j) => {
          hasToolBlocks = true;
          content.push({
            toolUse: {
              toolUseId: call.id,
              name: call.function.name,
              input: parseToolArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`),
            },
          });
        });
        push('assistant', content);
        break;
      }
      case 'tool': {
        if (!message.tool_call_id) throw invalidRequest('Tool messages need a tool_call_id', `${param}.tool_call_id`);
        hasToolBlocks = true;
        push('user', [{ toolResult: { toolUseId: message.tool_call_id, content: [{ text: textOfContent(message.content) }] } }]);
        break;
      }
    }
  });
  return { system, messages: out, hasToolBlocks };
}
