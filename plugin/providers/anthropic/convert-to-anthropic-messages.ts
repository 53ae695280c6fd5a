// OpenAI messages -> Anthropic `system` + alternating user/assistant turns.
// https://platform.claude.com/docs/en/api/messages (messages, system)
// https://platform.claude.com/docs/en/build-with-claude/vision (image sources)
// https://platform.claude.com/docs/en/build-with-claude/pdf-support (document blocks)
// https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use (tool_use / tool_result)
// https://platform.claude.com/docs/en/build-with-claude/prompt-caching (cache_control on blocks)
// https://platform.claude.com/docs/en/build-with-claude/extended-thinking (thinking blocks in tool loops)
import type { CacheControl, ChatMessage, ContentPart } from '../../openai/types';
import { invalidRequest, isRecord } from '../shared/errors';
import { parseBase64DataUrl } from '../shared/parse-base64-data-url';
import { functionCalls } from '../shared/portable-tools';
import { unsupportedPart } from '../shared/unsupported-part';
import type { AnthropicDocumentBlock, AnthropicImageBlock, AnthropicMessage, AnthropicRequestBlock, AnthropicTextBlock } from './types';

export interface ConvertedPrompt {
  system: AnthropicTextBlock[];
  messages: AnthropicMessage[];
}

export interface ConvertOptions {
  /** Send assistants' signed thinking blocks back (only when this request has thinking on). */
  thinking: boolean;
}

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export function convertMessages(messages: ChatMessage[], options: ConvertOptions = { thinking: false }): ConvertedPrompt {
  const system: AnthropicTextBlock[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; blocks: AnthropicRequestBlock[] }> = [];
  const append = (role: 'user' | 'assistant', blocks: AnthropicRequestBlock[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    // Anthropic wants alternating turns: consecutive same-role messages become one turn.
    if (last && last.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks: [...blocks] });
  };

  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    switch (m.role) {
      case 'system':
      case 'developer': {
        // Anthropic has one top-level system prompt; instructions anywhere in the conversation go there.
        system.push(...withMessageCache(systemBlocks(m.content, at), m.cache_control));
        break;
      }
      case 'user':
        append('user', withMessageCache(contentBlocks(m.content, at), m.cache_control));
        break;
      case 'assistant': {
        const blocks: AnthropicRequestBlock[] = options.thinking ? thinkingBlocks(m) : [];
        blocks.push(...contentBlocks(m.content, at));
        functionCalls(m, at, 'Anthropic').forEach((tc, j) => {
          blocks.push({
            type: 'tool_use',
            id: tc.id,
            name: tc.function.name,
            input: parseArguments(tc.function.arguments, `${at}.tool_calls[${j}].function.arguments`),
          });
        });
        append('assistant', withMessageCache(blocks, m.cache_control));
        break;
      }
      case 'tool': {
        if (!m.tool_call_id) throw invalidRequest(`${at}.tool_call_id is required for tool messages`, `${at}.tool_call_id`);
        const content = typeof m.content === 'string' || m.content == null ? (m.content ?? '') : contentBlocks(m.content, at).filter(isResultContent);
        append('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content, ...(m.cache_control ? { cache_control: m.cache_control } : {}) }]);
        break;
      }
    }
  });
  trimPrefill(turns);
  return {
    system,
    messages: turns.map((t) => ({ role: t.role, content: collapse(t.role === 'user' ? toolResultsFirst(t.blocks) : t.blocks) })),
  };
}

function blank(text: string): boolean {
  return text.trim() === '';
}

/**
 * A conversation ending on an assistant turn asks Claude to continue it
 * (prefill), and Anthropic refuses a prefill ending in whitespace.
 */
function trimPrefill(turns: Array<{ role: 'user' | 'assistant'; blocks: AnthropicRequestBlock[] }>): void {
  const last = turns[turns.length - 1];
  const block = last?.role === 'assistant' ? last.blocks[last.blocks.length - 1] : undefined;
  if (block?.type === 'text') block.text = block.text.trimEnd();
}

/** Signed thinking first: Anthropic requires it at the start of an assistant turn that called tools. */
function thinkingBlocks(m: ChatMessage): AnthropicRequestBlock[] {
  const out: AnthropicRequestBlock[] = [];
  for (const b of m.thinking_blocks ?? []) {
    if (b.type === 'thinking' && typeof b.signature === 'string' && b.signature !== '')
      out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    else if (b.type === 'redacted_thinking' && b.data) out.push({ type: 'redacted_thinking', data: b.data });
  }
  return out;
}

/** True when the message carries signed thinking Anthropic would accept back. */
export function hasSignedThinking(m: ChatMessage): boolean {
  return thinkingBlocks(m).length > 0;
}

function isResultContent(b: AnthropicRequestBlock): b is AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock {
  return b.type === 'text' || b.type === 'image' || b.type === 'document';
}

/** Anthropic requires tool_result blocks before any other content of a user turn. */
function toolResultsFirst(blocks: AnthropicRequestBlock[]): AnthropicRequestBlock[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
}

/** A turn that is a single unmarked text block is sent as a plain string (the documented short form). */
function collapse(blocks: AnthropicRequestBlock[]): string | AnthropicRequestBlock[] {
  const [only] = blocks;
  if (blocks.length === 1 && only?.type === 'text' && !only.cache_control) return only.text;
  return blocks;
}

/** LiteLLM's message-level marker means "cache up to the end of this message": it goes on the message's last block. */
function withMessageCache<T extends AnthropicRequestBlock>(blocks: T[], cache: CacheControl | undefined): T[] {
  const last = blocks.at(-1);
  if (!cache || !last) return blocks;
  if (last.type === 'thinking' || last.type === 'redacted_thinking') return blocks;
  return [...blocks.slice(0, -1), { ...last, cache_control: cache }];
}

function systemBlocks(content: ChatMessage['content'], at: string): AnthropicTextBlock[] {
  if (content == null) return [];
  if (typeof content === 'string') return blank(content) ? [] : [{ type: 'text', text: content }];
  return content.flatMap((p, j): AnthropicTextBlock[] => {
    if (p.type !== 'text') throw invalidRequest(`${at}.content[${j}]: only text parts are allowed in system messages`, `${at}.content[${j}].type`);
    return blank(p.text) ? [] : [{ type: 'text', text: p.text, ...(p.cache_control ? { cache_control: p.cache_control } : {}) }];
  });
}

function contentBlocks(content: ChatMessage['content'], at: string): AnthropicRequestBlock[] {
  if (content == null) return [];
  // Anthropic rejects text blocks that are empty or only whitespace.
  if (typeof content === 'string') return blank(content) ? [] : [{ type: 'text', text: content }];
  return content.flatMap((p, j) => partToBlock(p, `${at}.content[${j}]`) ?? []);
}

function partToBlock(p: ContentPart, at: string): AnthropicRequestBlock | undefined {
  const cache = 'cache_control' in p && p.cache_control ? { cache_control: p.cache_control } : {};
  switch (p.type) {
    case 'text':
      return blank(p.text) ? undefined : { type: 'text', text: p.text, ...cache };
    case 'image_url':
      return { type: 'image', source: imageSource(p.image_url.url, `${at}.image_url.url`), ...cache };
    case 'file':
      return { ...documentBlock(p.file, at), ...cache };
    default:
      throw unsupportedPart(p, 'Anthropic', at);
  }
}

function imageSource(url: string, at: string): AnthropicImageBlock['source'] {
  const data = parseBase64DataUrl(url);
  if (data) {
    const mediaType = data.mimeType.toLowerCase();
    if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
      throw invalidRequest(`${at}: image type ${mediaType} is not supported (jpeg, png, gif, webp)`, at);
    }
    return { type: 'base64', media_type: mediaType, data: data.data };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw invalidRequest(`${at} must be an http(s) URL or a base64 data: URL`, at);
}

/** OpenAI file parts carry the file inline as a data: URL; Anthropic reads PDFs and plain text as documents. */
function documentBlock(file: { file_data?: string; file_id?: string; filename?: string }, at: string): AnthropicDocumentBlock {
  const data = file.file_data ? parseBase64DataUrl(file.file_data) : undefined;
  if (!data) throw invalidRequest(`${at}.file: Anthropic needs the file inline as a base64 data: URL in file_data (file ids are OpenAI's)`, `${at}.file`);
  const title = file.filename ? { title: file.filename } : {};
  const mediaType = data.mimeType.toLowerCase();
  if (mediaType === 'application/pdf') return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.data }, ...title };
  if (mediaType === 'text/plain') {
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(data.data, 'base64').toString('utf8') }, ...title };
  }
  throw invalidRequest(`${at}.file: Anthropic reads PDF and plain-text files, not ${mediaType}`, `${at}.file.file_data`);
}

/** Tool-call arguments are a JSON string in OpenAI and an object in Anthropic. */
function parseArguments(args: string, at: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw invalidRequest(`${at} is not valid JSON`, at);
  }
  if (!isRecord(parsed)) throw invalidRequest(`${at} must be a JSON object`, at);
  return parsed;
}
