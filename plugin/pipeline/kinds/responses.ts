// A Responses API call is a chat call: the same estimate and attempts, on
// the chat form of the request the Responses ingress built, seen through
// the call (its request slot and release shared, see call-view.ts).
import type { ChatSink } from '../../ingress/contract';
import type { ResponsesCall } from '../../ingress/responses/stored-response';
import type { ChatRequest } from '../../openai/types';
import type { CallKind } from '../call-kind';
import { viewCall } from '../call-view';
import { chatKind } from './chat';

export const responsesKind: CallKind<ResponsesCall, ChatSink> = {
  kind: 'chat',
  estimate: (endpoint, call) => chatKind.estimate(endpoint, call.chat),
  chatRequest: (call) => call.chat,
  attempt: (call, destination, provider, attempt) => chatKind.attempt(viewCall(call, chatFormOf), destination, provider, attempt),
};

function chatFormOf(call: ResponsesCall): ChatRequest {
  return call.chat;
}
