// One shadow call: the client's request, not streamed, sent once to the
// endpoint's shadow destination (no retry, no fallback), answered into a
// sink that only keeps the completion, and traced as a trace of its own
// (`shadowOf` the client's request) with both answers side by side. The
// recorder comes back too, so the shadow is exported to OpenTelemetry like
// any request (same trace as the client's when it sent a traceparent).
import type { BudgetPolicy, Endpoint, ShadowSettings, ShadowSide, Trace } from '../contract';
import type { BudgetGuard } from '../budget';
import { estimateChatCost } from '../budget/estimate-cost';
import type { ChatSink } from '../ingress/contract';
import type { ChatCompletion, ChatRequest } from '../openai/types';
import { providerFor } from '../pipeline/call-provider';
import { chatKind } from '../pipeline/kinds/chat';
import { requestParams, TraceRecorder } from '../pipeline/trace-recorder';
import type { Redactor } from '../security/redact-secrets';
import { answerOf, compareAnswers, type Answer } from './compare-answers';

export interface ShadowCall {
  traceId: string;
  endpoint: Endpoint & { shadow: ShadowSettings };
  request: ChatRequest;
  /** The client's finished trace and the answer it got. */
  primary: Trace;
  primaryAnswer: Answer;
  policies: BudgetPolicy[];
  budget: BudgetGuard;
  redact: Redactor;
  signal: AbortSignal;
}

export interface ShadowResult {
  trace: Trace;
  recorder: TraceRecorder;
}

export async function callShadow(o: ShadowCall): Promise<ShadowResult> {
  const { shadow } = o.endpoint;
  const destination = shadow.destination;
  // The shadow is an endpoint of one destination: no fallback chain, never the loop breaker.
  const endpoint: Endpoint = { ...o.endpoint, destinations: [destination], fallback: { chain: [], maxAttempts: 1, triggers: [] }, loopBreaker: undefined };
  const request: ChatRequest = { ...o.request, stream: false };
  delete request.stream_options;
  const trace = new TraceRecorder({
    id: o.traceId,
    endpoint: endpoint.name,
    kind: 'chat',
    user: o.primary.user,
    ingress: o.primary.ingress,
    stream: false,
    startedAt: performance.now(),
    clientTraceparent: o.primary.traceparent,
    params: requestParams(request),
  });
  trace.runId = o.primary.runId;
  // A shadow trace names the shadow destination as its provider and model, also when the call failed.
  const finish = (status: number, errorCode?: string): ShadowResult => ({
    trace: { ...trace.finish(performance.now(), status, errorCode), provider: destination.provider, model: destination.model, shadowOf: o.primary.id },
    recorder: trace,
  });

  // Free of the client's budgets unless the endpoint says they count.
  let admission;
  if (shadow.countBudgets) {
    const admitted = await o.budget.admit({
      endpoint,
      policies: o.policies,
      user: o.primary.user,
      run: o.primary.runId,
      estimate: () => estimateChatCost(endpoint, request),
    });
    if (!admitted.ok) return finish(admitted.refusal.status, admitted.refusal.error.error.code ?? 'budget_exceeded');
    admission = admitted.admission;
  }

  let completion: ChatCompletion | undefined;
  const sink: ChatSink = {
    completion: (c) => void (completion = c),
    error: () => undefined,
    open: () => undefined,
    chunk: () => undefined,
    close: () => undefined,
    streamError: () => undefined,
  };
  const found = providerFor(destination);
  const attempt = trace.beginAttempt(destination);
  const outcome = found.ok
    ? await chatKind.attempt({ endpoint, request, sink, trace, signal: o.signal, redact: o.redact }, destination, found.provider, attempt)
    : { answered: false as const, failure: found.failure };
  if (admission) trace.budget = o.budget.settle(admission, { usage: trace.usage, costUsd: trace.costUsd, served: trace.served });
  if (!outcome.answered || !completion) {
    const failure = outcome.answered ? undefined : outcome.failure.withMessage(o.redact(outcome.failure.message));
    attempt.end(failure?.upstreamStatus ?? null, failure ? { type: failure.code ?? failure.type, message: failure.message } : undefined);
    return finish(failure?.status ?? 502, failure?.code ?? failure?.type ?? 'shadow_failed');
  }
  attempt.end(200);
  const choice = completion.choices[0];
  const shadowAnswer = answerOf(choice?.message, choice?.finish_reason ?? null);
  const done = finish(200);
  return {
    ...done,
    trace: {
      ...done.trace,
      comparison: {
        primary: sideOf(o.primary, o.primaryAnswer),
        shadow: sideOf(done.trace, shadowAnswer),
        ...compareAnswers(o.primaryAnswer, shadowAnswer),
      },
    },
  };
}

function sideOf(t: Trace, answer: Answer): ShadowSide {
  return {
    provider: t.provider ?? t.attempts.at(-1)?.provider ?? 'openai',
    model: t.model ?? t.attempts.at(-1)?.model ?? '',
    latencyMs: t.latencyMs,
    promptTokens: t.usage?.promptTokens ?? 0,
    completionTokens: t.usage?.completionTokens ?? 0,
    ...(t.costUsd !== undefined ? { costUsd: t.costUsd } : {}),
    finishReason: answer.finishReason,
  };
}
