// OpenAI messages to Converse `system` + `messages`. Converse wants turns to
// alternate user/assistant, so adjacent messages of one role (parallel tool
// results, a tool result followed by a user remark) become one turn.
// Cache markers (cache_control, see plugin/openai/types.ts) become Converse
// cachePoint blocks right after the block they mark, for models that cache.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html
// https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
import type { CacheControl, ChatMessage, ContentPart } from '../../openai/types';
import { invalidRequest } from '../shared/errors';
import { parseBase64DataUrl } from '../shared/parse-base64-data-url';
import { parseToolArguments } from '../shared/parse-tool-arguments';
import { functionCalls } from '../shared/portable-tools';
import { textOfContent } from '../shared/text-of-content';
import { unsupportedPart } from '../shared/unsupported-part';
import type { BedrockContentBlock, BedrockDocumentFormat, BedrockImageFormat, BedrockMessage, BedrockSystemBlock, BedrockToolResultContent } from './types';

const FORMAT_BY_MIME: Record<string, BedrockImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMAT_BY_MIME: Record<string, BedrockDocumentFormat> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/html': 'html',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};

export interface ConvertOptions {
  /** Turn cache_control markers into cachePoint blocks (models with prompt caching). */
  cachePoints: boolean;
  /** Send Claude's signed reasoning back on assistant turns (requests with thinking on). */
  reasoning: boolean;
}

const CACHE_POINT = { cachePoint: { type: 'default' as const } };

function convertPart(part: ContentPart, param: string, documents: { count: number }): BedrockContentBlock | undefined {
  switch (part.type) {
    case 'text':
      return part.text.trim().length > 0 ? { text: part.text } : undefined;
    case 'image_url': {
      const image = parseBase64DataUrl(part.image_url.url);
      // Converse takes image bytes (or S3 locations), never an http URL it would fetch.
      if (!image) throw invalidRequest('Bedrock accepts images as base64 data: URLs only', `${param}.image_url.url`);
      const format = FORMAT_BY_MIME[image.mimeType.toLowerCase()];
      if (!format) throw invalidRequest(`Bedrock does not accept images of type ${image.mimeType}; use png, jpeg, gif or webp`, `${param}.image_url.url`);
      return { image: { format, source: { bytes: image.data } } };
    }
    case 'file': {
      const file = part.file.file_data ? parseBase64DataUrl(part.file.file_data) : undefined;
      if (!file) throw invalidRequest("Bedrock needs the file inline as a base64 data: URL in file_data (file ids are OpenAI's)", `${param}.file`);
      const format = DOCUMENT_FORMAT_BY_MIME[file.mimeType.toLowerCase()];
      if (!format) throw invalidRequest(`Bedrock does not read documents of type ${file.mimeType}`, `${param}.file.file_data`);
      // Converse wants a name per document, unique in the request, of letters, digits, spaces and a few marks.
      const name = `document ${++documents.count}`;
      return { document: { format, name, source: { bytes: file.data } } };
    }
    default:
      throw unsupportedPart(part, 'Bedrock', param);
  }
}

function cacheOf(part: ContentPart): CacheControl | undefined {
  return 'cache_control' in part ? part.cache_control : undefined;
}

export interface BedrockPrompt {
  system: BedrockSystemBlock[];
  messages: BedrockMessage[];
  /** True when the history holds toolUse/toolResult blocks (Converse then requires toolConfig). */
  hasToolBlocks: boolean;
}

export function convertToBedrockMessages(messages: ChatMessage[], options: ConvertOptions = { cachePoints: false, reasoning: false }): BedrockPrompt {
  const system: BedrockSystemBlock[] = [];
  const out: BedrockMessage[] = [];
  const documents = { count: 0 };
  let hasToolBlocks = false;

  const push = (role: BedrockMessage['role'], content: BedrockContentBlock[]): void => {
    if (content.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...content);
    else out.push({ role, content });
  };
  const withCachePoint = <T>(blocks: T[], cache: CacheControl | undefined, point: T): T[] =>
    options.cachePoints && cache && blocks.length > 0 ? [...blocks, point] : blocks;

  const convertContent = (content: ChatMessage['content'], param: string): BedrockContentBlock[] => {
    if (content == null) return [];
    // Converse rejects blank text blocks.
    if (typeof content === 'string') return content.trim().length > 0 ? [{ text: content }] : [];
    return content.flatMap((part, i) => {
      const block = convertPart(part, `${param}.content[${i}]`, documents);
      return block ? withCachePoint([block], cacheOf(part), CACHE_POINT) : [];
    });
  };

  /** Converse tool results take text, images and documents; blank text is still one (empty) text block. */
  const toolResultContent = (content: ChatMessage['content'], param: string): BedrockToolResultContent[] => {
    if (typeof content === 'string' || content == null) return [{ text: textOfContent(content) }];
    const blocks = content.flatMap((part, i) => convertPart(part, `${param}.content[${i}]`, documents) ?? []);
    return blocks.length > 0 ? blocks : [{ text: '' }];
  };

  messages.forEach((message, i) => {
    const param = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer': {
        const blocks: BedrockSystemBlock[] = [];
        if (typeof message.content === 'string' || message.content == null) {
          if (message.content?.trim()) blocks.push({ text: message.content });
        } else {
          message.content.forEach((part, j) => {
            if (part.type !== 'text')
              throw invalidRequest(`${param}.content[${j}]: only text parts are allowed in system messages`, `${param}.content[${j}].type`);
            if (part.text.trim().length > 0) blocks.push(...withCachePoint<BedrockSystemBlock>([{ text: part.text }], part.cache_control, CACHE_POINT));
          });
        }
        system.push(...withCachePoint(blocks, message.cache_control, CACHE_POINT));
        break;
      }
      case 'user':
        push('user', withCachePoint(convertContent(message.content, param), message.cache_control, CACHE_POINT));
        break;
      case 'assistant': {
        const content: BedrockContentBlock[] = options.reasoning ? reasoningBlocks(message) : [];
        content.push(...convertContent(message.content, param));
        functionCalls(message, param, 'Bedrock').forEach((call, j) => {
          hasToolBlocks = true;
          content.push({
            toolUse: {
              toolUseId: call.id,
              name: call.function.name,
              input: parseToolArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`),
            },
          });
        });
        push('assistant', withCachePoint(content, message.cache_control, CACHE_POINT));
        break;
      }
      case 'tool': {
        if (!message.tool_call_id) throw invalidRequest('Tool messages need a tool_call_id', `${param}.tool_call_id`);
        hasToolBlocks = true;
        const result: BedrockContentBlock = { toolResult: { toolUseId: message.tool_call_id, content: toolResultContent(message.content, param) } };
        push('user', withCachePoint([result], message.cache_control, CACHE_POINT));
        break;
      }
    }
  });
  return { system, messages: out, hasToolBlocks };
}

/** Claude's signed reasoning (thinking_blocks) as Converse reasoningContent blocks, first in the turn. */
function reasoningBlocks(message: ChatMessage): BedrockContentBlock[] {
  const out: BedrockContentBlock[] = [];
  for (const b of message.thinking_blocks ?? []) {
    if (b.type === 'thinking' && b.signature) out.push({ reasoningContent: { reasoningText: { text: b.thinking, signature: b.signature } } });
    else if (b.type === 'redacted_thinking' && b.data) out.push({ reasoningContent: { redactedContent: b.data } });
  }
  return out;
}

export function hasSignedReasoning(message: ChatMessage): boolean {
  return reasoningBlocks(message).length > 0;
}
