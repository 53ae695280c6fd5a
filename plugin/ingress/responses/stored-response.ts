// What the gateway keeps of a Responses answer (store: true): the Response
// object as the client got it (for GET /responses/{id}) and the conversation
// through it in the pipeline's chat form, provider state included, which a
// `previous_response_id` continues.
import type { AssistantMessage, ChatMessage, ChatRequest } from '../../openai/types';
import type { ResponseObject, ResponsesRequest } from './types';

export interface StoredResponse {
  response: ResponseObject;
  /** Without instructions: each response's instructions apply to it alone. */
  messages: ChatMessage[];
}

/** A Responses request on its way through the pipeline: the client's request and its chat form. */
export interface ResponsesCall {
  responses: ResponsesRequest;
  chat: ChatRequest;
}

export function responseKey(id: string): string {
  return `response:${id}`;
}

/** The assistant's answer as the next turn's history carries it. */
export function toHistoryMessage(answer: AssistantMessage): ChatMessage {
  return {
    role: 'assistant',
    content: answer.content ?? answer.refusal ?? null,
    ...(answer.tool_calls?.length ? { tool_calls: answer.tool_calls } : {}),
    ...(answer.reasoning_content ? { reasoning_content: answer.reasoning_content } : {}),
    ...(answer.thinking_blocks?.length ? { thinking_blocks: answer.thinking_blocks } : {}),
    ...(answer.provider_state ? { provider_state: answer.provider_state } : {}),
  };
}
