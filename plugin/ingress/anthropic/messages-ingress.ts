// Anthropic's Messages API as a way in: any endpoint, whatever its providers.
import type { ChatRequest } from '../../openai/types';
import type { ChatSink, Ingress } from '../contract';
import { AnthropicRequestError } from './errors';
import { anthropicSink, sendAnthropicError } from './sink';
import { parseAnthropicRequest } from './to-openai-request';

export const anthropicMessagesIngress: Ingress<ChatRequest, ChatSink> = {
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
