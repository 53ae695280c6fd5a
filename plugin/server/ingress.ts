// The client-facing APIs a chat request can arrive in. Each ingress parses
// its own request format into the pipeline's OpenAI request, answers errors
// in its own shape, and supplies the sink the pipeline writes to.
import type { ServerResponse } from 'node:http';
import type { ChatSink } from '../gateway/sink';
import { openAiSink } from '../gateway/openai-sink';
import { errorBody, sendJson } from '../gateway/respond';
import { AnthropicRequestError, anthropicSink, parseAnthropicRequest, sendAnthropicError } from '../ingress/anthropic';
import type { ChatRequest, ErrorBody } from '../openai/types';
import { validateChat } from '../openai/validate';

export interface ChatIngress {
  name: 'openai' | 'anthropic';
  parse(body: unknown): { ok: true; value: ChatRequest } | { ok: false; message: string; param: string | null };
  sendError(res: ServerResponse, status: number, error: ErrorBody, headers: Record<string, string>): void;
  sink(res: ServerResponse, request: ChatRequest): ChatSink;
}

export const openAiIngress: ChatIngress = {
  name: 'openai',
  parse(body) {
    const v = validateChat(body);
    return v.ok ? v : { ok: false, message: v.error.message, param: v.error.param };
  },
  sendError: sendJson,
  sink: openAiSink,
};

export const anthropicIngress: ChatIngress = {
  name: 'anthropic',
  parse(body) {
    try {
      return { ok: true, value: parseAnthropicRequest(body) };
    } catch (err) {
      if (err instanceof AnthropicRequestError) return { ok: false, message: err.message, param: err.param };
      throw err;
    }
  },
  sendError: sendAnthropicError,
  sink: (res, request) => anthropicSink(res, request),
};

/** An error in the OpenAI shape, for handlers that only speak OpenAI. */
export function sendOpenAiError(res: ServerResponse, status: number, message: string, type: string, code: string, param: string | null = null): void {
  sendJson(res, status, errorBody(message, type, code, param));
}
