// OpenAI's Chat Completions API, the gateway's native way in.
import type { ChatRequest } from '../../openai/types';
import { validateChat } from '../../openai/validate';
import type { ChatSink, Ingress } from '../contract';
import { sendJson } from '../send-json';
import { openAiSink } from './chat-sink';

export const openAiChatIngress: Ingress<ChatRequest, ChatSink> = {
  name: 'openai',
  parse(body) {
    const v = validateChat(body);
    return v.ok ? v : { ok: false, message: v.error.message, param: v.error.param };
  },
  sendError: sendJson,
  sink: openAiSink,
};
