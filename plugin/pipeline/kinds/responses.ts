// A Responses API call is a chat call: the same estimate and attempts, on
// the chat form of the request the Responses ingress built.
import type { ChatSink } from '../../ingress/contract';
import type { ResponsesCall } from '../../ingress/responses/stored-response';
import type { CallKind } from '../call-kind';
import { chatKind } from './chat';

export const responsesKind: CallKind<ResponsesCall, ChatSink> = {
  kind: 'chat',
  estimate: (endpoint, call) => chatKind.estimate(endpoint, call.chat),
  chatRequest: (call) => call.chat,
  attempt: (call, destination, provider, attempt) => chatKind.attempt({ ...call, request: call.request.chat }, destination, provider, attempt),
};
