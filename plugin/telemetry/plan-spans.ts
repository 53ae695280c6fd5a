// What one finished request looks like as OpenTelemetry spans: a server
// span for the request (the gateway's span, the one providers see as the
// parent in traceparent) and a client span per provider attempt, with the
// GenAI semantic conventions' attributes and the gateway's own. Pure: the
// exporter pipeline turns the plan into SDK spans.
import type { Trace, TraceAttempt } from '../contract';
import type { RequestParams } from '../pipeline/trace-recorder';
import { toInputMessages, toOutputMessages } from './convert-to-gen-ai-messages';
import { GATEWAY, GEN_AI, operationName, providerName } from './gen-ai-attributes';

export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue>;

/** A finished request as the pipeline hands it over. */
export interface FinishedRequest {
  trace: Trace;
  /** Epoch milliseconds (fractional) when the gateway first saw the request. */
  startMs: number;
  /** The gateway's span id, as sent to providers in traceparent. */
  gatewaySpanId?: string;
  params?: RequestParams;
  finishReasons?: string[];
  /** The endpoint logs payloads: content may be exported. */
  logPayloads: boolean;
}

export interface SpanPlan {
  name: string;
  kind: 'server' | 'client';
  startMs: number;
  endMs: number;
  attributes: Attributes;
  /** Set when the span failed; the status description. */
  error?: string;
  events: Array<{ name: string; timeMs: number; attributes: Attributes }>;
}

export function planSpans(req: FinishedRequest, withContent: boolean): { request: SpanPlan; attempts: SpanPlan[] } {
  const { trace: t, startMs } = req;
  const op = operationName(t.kind);
  const endMs = startMs + t.latencyMs;
  const served = t.provider ? t.attempts[t.attempts.length - 1] : undefined;
  const request: SpanPlan = {
    name: `${op} ${t.endpoint}`,
    kind: 'server',
    startMs,
    endMs,
    attributes: compact({
      [GEN_AI.operationName]: op,
      [GEN_AI.requestModel]: t.endpoint,
      [GEN_AI.providerName]: t.provider ? providerName(t.provider) : undefined,
      [GEN_AI.responseModel]: t.model,
      [GEN_AI.requestStream]: t.stream,
      ...requestParams(req.params),
      ...usage(t),
      [GEN_AI.responseFinishReasons]: req.finishReasons?.length ? req.finishReasons : undefined,
      [GEN_AI.responseTimeToFirstChunk]: t.ttftMs !== undefined ? t.ttftMs / 1000 : undefined,
      'http.response.status_code': t.status,
      'error.type': t.errorCode,
      [GATEWAY.requestId]: t.id,
      [GATEWAY.endpoint]: t.endpoint,
      [GATEWAY.destination]: served?.destinationId,
      [GATEWAY.user]: t.user,
      [GATEWAY.ingress]: t.ingress,
      [GATEWAY.status]: t.status,
      [GATEWAY.attempts]: t.attempts.length,
      [GATEWAY.costUsd]: t.costUsd,
      [GATEWAY.budgetReservedUsd]: t.budget?.reservedUsd,
      [GATEWAY.budgetReservedTokens]: t.budget?.reservedTokens,
      [GATEWAY.budgetChargedUsd]: t.budget?.chargedUsd,
      [GATEWAY.budgetChargedTokens]: t.budget?.chargedTokens,
      [GATEWAY.overheadMs]: t.overheadMs,
      [GATEWAY.ttftMs]: t.ttftMs,
      [GATEWAY.runId]: t.runId,
      [GATEWAY.shadowOf]: t.shadowOf,
      [GATEWAY.shadowTraceId]: t.shadowTraceId,
    }),
    ...(t.status >= 500 ? { error: t.errorCode ?? `status ${t.status}` } : {}),
    events: [],
  };
  const content = withContent && req.logPayloads ? contentOf(t) : undefined;
  if (content) {
    // Both places the conventions allow: the opt-in span attributes (what MLflow, Langfuse and Phoenix read) and the event.
    Object.assign(request.attributes, content);
    request.events.push({ name: GEN_AI.operationDetailsEvent, timeMs: endMs, attributes: content });
  }
  const attempts = t.attempts.map((a, i) => planAttempt(req, a, i, a === served));
  return { request, attempts };
}

function planAttempt(req: FinishedRequest, a: TraceAttempt, index: number, served: boolean): SpanPlan {
  const { trace: t } = req;
  const op = operationName(t.kind);
  // Traces from before attempts carried their start: place the attempt at the end of the request.
  const startMs = req.startMs + (a.startOffsetMs ?? Math.max(0, t.latencyMs - a.latencyMs));
  const previous = index > 0 ? t.attempts[index - 1] : undefined;
  return {
    name: `${op} ${a.model}`,
    kind: 'client',
    startMs,
    endMs: startMs + a.latencyMs,
    attributes: compact({
      [GEN_AI.operationName]: op,
      [GEN_AI.providerName]: providerName(a.provider),
      [GEN_AI.requestModel]: a.model,
      ...(served ? { [GEN_AI.responseModel]: t.model, ...requestParams(req.params), ...usage(t) } : {}),
      [GEN_AI.responseFinishReasons]: served && req.finishReasons?.length ? req.finishReasons : undefined,
      'http.response.status_code': a.status ?? undefined,
      'error.type': a.error?.type,
      [GATEWAY.endpoint]: t.endpoint,
      [GATEWAY.destination]: a.destinationId,
      [GATEWAY.attempt]: index + 1,
      // What sent the gateway to this attempt: the previous attempt's failure (a retry or a fallback).
      [GATEWAY.fallbackReason]: previous?.error?.type,
      [GATEWAY.costUsd]: served ? t.costUsd : undefined,
    }),
    ...(a.error ? { error: a.error.message } : {}),
    events: [],
  };
}

function requestParams(p: RequestParams | undefined): Attributes {
  return compact({ [GEN_AI.requestMaxTokens]: p?.maxTokens, [GEN_AI.requestTemperature]: p?.temperature, [GEN_AI.requestTopP]: p?.topP });
}

function usage(t: Trace): Attributes {
  const u = t.usage;
  if (!u) return {};
  return compact({
    [GEN_AI.usageInputTokens]: u.promptTokens,
    [GEN_AI.usageOutputTokens]: u.completionTokens,
    [GEN_AI.usageCacheReadInputTokens]: u.cachedTokens,
    [GEN_AI.usageCacheCreationInputTokens]: u.cacheWriteTokens,
    [GEN_AI.usageReasoningOutputTokens]: u.reasoningTokens,
  });
}

/** Message content, only what the trace kept (capped, credentials scrubbed), in the conventions' message JSON. */
function contentOf(t: Trace): Attributes | undefined {
  if (t.request === undefined && t.response === undefined) return undefined;
  return compact({
    [GEN_AI.inputMessages]: t.request !== undefined ? toInputMessages(t.request) : undefined,
    [GEN_AI.outputMessages]: t.response !== undefined ? toOutputMessages(t.response) : undefined,
  });
}

function compact(attributes: Record<string, AttributeValue | undefined>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}
