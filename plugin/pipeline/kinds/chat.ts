// The chat part of the pipeline: one attempt builds the provider's request,
// calls it, and translates the answer back whole or relays its stream. A
// stream can fall back only until its first byte reaches the client.
import { randomBytes } from 'node:crypto';
import type { Destination } from '../../contract';
import { estimateChatCost } from '../../budget/estimate-cost';
import type { ChatSink } from '../../ingress/contract';
import { toolCallInput } from '../../openai/tool-call-input';
import type { ChatCompletion, ChatRequest } from '../../openai/types';
import type { Provider, ResponseContext } from '../../providers/contract';
import { estimateUsage } from '../../tokens/count';
import type { UpstreamResponse } from '../../upstream/call';
import { callProvider, readBody, unreadableAnswer } from '../call-provider';
import type { AttemptOutcome, Call, CallKind } from '../call-kind';
import { answerHeaders } from '../gateway-headers';
import { StreamRelay } from '../stream-relay';
import type { AttemptRecord } from '../trace-recorder';

type ChatCall = Call<ChatRequest, ChatSink>;

export const chatKind: CallKind<ChatRequest, ChatSink> = {
  kind: 'chat',
  estimate: estimateChatCost,
  chatRequest: (request) => request,
  async attempt(call, destination, provider, attempt) {
    const called = await callProvider({
      provider,
      destination,
      build: (target) => provider.chat.buildRequest(call.request, target),
      attempt,
      traceparent: call.trace.traceparent,
      signal: call.signal,
    });
    if (!called.ok) return { answered: false, failure: called.failure };
    const ctx = responseContext(call.trace.start.id, destination);
    if (!call.request.stream) return answerWhole(call, destination, provider, called.response, ctx, attempt);
    return new StreamRelay({ call, destination, provider, ctx, attempt, headers: () => answerHeaders(call) }).relay(called.response.body);
  },
};

async function answerWhole(
  call: ChatCall,
  destination: Destination,
  provider: Provider,
  response: UpstreamResponse,
  ctx: ResponseContext,
  attempt: AttemptRecord,
): Promise<AttemptOutcome> {
  const body = await readBody(response, destination, attempt);
  if (!body.ok) return { answered: false, failure: body.failure };
  let completion: ChatCompletion;
  try {
    completion = provider.chat.parseResponse(JSON.parse(body.text), ctx);
  } catch (err) {
    return { answered: false, failure: unreadableAnswer(destination, err) };
  }
  const { trace } = call;
  completion.usage ??= estimateUsage(call.request, answerText(completion));
  trace.served = destination;
  trace.setUsage(destination, completion.usage);
  for (const choice of completion.choices) trace.noteFinishReason(choice.finish_reason);
  trace.capturePayloads(call.endpoint.logPayloads, call.request, completion, call.redact);
  await call.sink.completion(completion, answerHeaders(call));
  return { answered: true, status: 200 };
}

function answerText(completion: ChatCompletion): string {
  const message = completion.choices[0]?.message;
  return (message?.content ?? '') + (message?.tool_calls?.map((c) => toolCallInput(c).text).join('') ?? '');
}

export function responseContext(traceId: string, destination: Destination): ResponseContext {
  return {
    id: `chatcmpl-${traceId.replace(/-/g, '')}`,
    created: Math.floor(Date.now() / 1000),
    model: destination.model,
    newId: () => `call_${randomBytes(12).toString('base64url')}`,
  };
}
