// OpenAI messages -> Anthropic `system` + alternating user/assistant turns.
// https://platform.claude.com/docs/en/api/messages (messages, system)
// https://platform.claude.com/docs/en/build-with-claude/vision (image sources)
// https://platform.claude.com/docs/en/agents-and-tools/tool-use/implement-tool-use (tool_use / tool_result)
import type { ChatMessage, ContentPart } from '../../openai/types';
import { invalidRequest, isRecord } from '../shared/errors';
import type { AnthropicImageBlock, AnthropicMessage, AnthropicRequestBlock, AnthropicTextBlock } from './types';

export interface ConvertedPrompt {
  system: string[];
  messages: AnthropicMessage[];
}

const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export function convertMessages(messages: ChatMessage[]): ConvertedPrompt {
  const system: string[] = [];
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
        const text = textOf(m.content, at);
        if (text) system.push(text);
        break;
      }
      case 'user':
        append('user', contentBlocks(m.content, at));
        break;
      case 'assistant': {
        const blocks: AnthropicRequestBlock[] = contentBlocks(m.content, at).filter((b) => b.type !== 'text' || b.text !== '');
        (m.tool_calls ?? []).forEach((tc, j) => {
          blocks.push({
            type: 'tool_use',
            id: tc.id,
            name: tc.function.name,
            input: parseArguments(tc.function.arguments, `${at}.tool_calls[${j}].function.arguments`),
          });
        });
        append('assistant', blocks);
        break;
      }
      case 'tool': {
        if (!m.tool_call_id) throw invalidRequest(`${at}.tool_call_id is required for tool messages`, `${at}.tool_call_id`);
        const content = typeof m.content === 'string' || m.content === null ? (m.content ?? '') : contentBlocks(m.content, at).filter(isResultContent);
        append('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content }]);
        break;
      }
    }
  });

  return {
    system,
    messages: turns.map((t) => ({ role: t.role, content: collapse(t.role === 'user' ? toolResultsFirst(t.blocks) : t.blocks) })),
  };
}

function isResultContent(b: AnthropicRequestBlock): b is AnthropicTextBlock | AnthropicImageBlock {
  return b.type === 'text' || b.type === 'image';
}

/** Anthropic requires tool_result blocks before any other content of a user turn. */
function toolResultsFirst(blocks: AnthropicRequestBlock[]): AnthropicRequestBlock[] {
  return [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
}

/** A turn that is a single text block is sent as a plain string (the documented short form). */
function collapse(blocks: AnthropicRequestBlock[]): string | AnthropicRequestBlock[] {
  if (blocks.length === 1 && blocks[0].type === 'text') return blocks[0].text;
  return blocks;
}

function textOf(content: ChatMessage['content'], at: string): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((p, j) => {
      if (p.type !== 'text') throw invalidRequest(`${at}.content[${j}]: only text parts are allowed in system messages`, `${at}.content[${j}]`);
      return p.text;
    })
    .join('\n');
}

function contentBlocks(content: ChatMessage['content'], at: string): AnthropicRequestBlock[] {
  if (content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((p, j) => partToBlock(p, `${at}.content[${j}]`));
}

function partToBlock(p: ContentPart, at: string): AnthropicRequestBlock {
  if (p.type === 'text') return { type: 'text', text: p.text };
  if (p.type === 'image_url') return { type: 'image', source: imageSource(p.image_url.url, `${at}.image_url.url`) };
  throw invalidRequest(`${at}: unsupported content part type`, `${at}.type`);
}

function imageSource(url: string, at: string): AnthropicImageBlock['source'] {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) {
    const mediaType = data[1].toLowerCase();
    if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
      throw invalidRequest(`${at}: image type ${mediaType} is not supported (jpeg, png, gif, webp)`, at);
    }
    return { type: 'base64', media_type: mediaType, data: data[2] };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw invalidRequest(`${at} must be an http(s) URL or a base64 data: URL`, at);
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
