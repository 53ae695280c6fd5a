// OpenAI messages to Gemini `systemInstruction` + `contents`.
// Gemini has no tool-call ids: a tool result is matched to its call by
// function name, which the gateway recovers from the assistant message that
// made the call.
import type { ChatMessage, ContentPart } from '../../openai/types';
import { invalidRequest } from '../shared/errors';
import { parseBase64DataUrl } from '../shared/parse-base64-data-url';
import { parseToolArguments } from '../shared/parse-tool-arguments';
import { functionCalls } from '../shared/portable-tools';
import { textOfContent } from '../shared/text-of-content';
import { toolResultText } from '../shared/tool-result-text';
import { readGeminiState } from './carry-thought-signatures';
import type { GeminiContent, GeminiPart, GeminiRole } from './types';

const MIME_BY_EXTENSION: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
};

function guessMimeType(url: string): string {
  const path = url.split(/[?#]/)[0] ?? '';
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return MIME_BY_EXTENSION[ext] ?? 'image/jpeg';
}

function convertPart(part: ContentPart, param: string): GeminiPart | undefined {
  switch (part.type) {
    case 'text':
      return part.text.length > 0 ? { text: part.text } : undefined;
    case 'image_url': {
      const url = part.image_url.url;
      const inline = parseBase64DataUrl(url);
      if (inline) return { inlineData: { mimeType: inline.mimeType, data: inline.data } };
      if (/^https?:\/\//i.test(url) || url.startsWith('gs://')) {
        return { fileData: { mimeType: guessMimeType(url), fileUri: url } };
      }
      throw invalidRequest(`Unsupported image URL: expected a data: URL or an http(s) URL`, `${param}.image_url.url`);
    }
    case 'input_audio':
      return { inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } };
    case 'file': {
      const inline = part.file.file_data ? parseBase64DataUrl(part.file.file_data) : undefined;
      if (!inline) throw invalidRequest("Gemini needs the file inline as a base64 data: URL in file_data (file ids are OpenAI's)", `${param}.file`);
      return { inlineData: { mimeType: inline.mimeType, data: inline.data } };
    }
  }
}

function convertContent(content: ChatMessage['content'], param: string): GeminiPart[] {
  if (content == null) return [];
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  return content.flatMap((part, i) => convertPart(part, `${param}.content[${i}]`) ?? []);
}

/** Gemini wants a JSON object as the function response; anything else is wrapped. */
function toFunctionResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    return { result: parsed };
  } catch {
    return { result: text };
  }
}

export interface GeminiPrompt {
  systemInstruction?: { parts: Array<{ text: string }> };
  contents: GeminiContent[];
}

export function convertToGeminiContents(messages: ChatMessage[]): GeminiPrompt {
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  const nameByToolCallId = new Map<string, string>();

  const push = (role: GeminiRole, parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    // Gemini expects turns to alternate; adjacent same-role messages (e.g.
    // the results of parallel tool calls) become one turn.
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
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
        const state = readGeminiState(message.provider_state);
        const parts = convertContent(message.content, param);
        if (state.textSignature !== undefined) {
          const lastText = [...parts].reverse().find((p) => p.text !== undefined);
          if (lastText) lastText.thoughtSignature = state.textSignature;
        }
        functionCalls(message, param, 'Gemini').forEach((call, j) => {
          nameByToolCallId.set(call.id, call.function.name);
          const part: GeminiPart = {
            functionCall: { name: call.function.name, args: parseToolArguments(call.function.arguments, `${param}.tool_calls[${j}].function.arguments`) },
          };
          const signature = state.toolCallSignatures?.[call.id];
          if (signature !== undefined) part.thoughtSignature = signature;
          parts.push(part);
        });
        push('model', parts);
        break;
      }
      case 'tool': {
        const name = (message.tool_call_id !== undefined ? nameByToolCallId.get(message.tool_call_id) : undefined) ?? message.name;
        if (name === undefined) {
          throw invalidRequest(
            `Tool message tool_call_id "${message.tool_call_id ?? ''}" does not match a tool call of an earlier assistant message`,
            `${param}.tool_call_id`,
          );
        }
        push('user', [{ functionResponse: { name, response: toFunctionResponse(toolResultText(message, param, 'Gemini')) } }]);
        break;
      }
    }
  });

  return {
    ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}),
    contents,
  };
}
