// Builds the one trace every request leaves, served, failed or rejected,
// with one entry per provider attempt (AttemptRecord, ended exactly once).
import { randomBytes } from 'node:crypto';
import type { Destination, EndpointKind, Trace, TraceAttempt, TraceUsage } from '../contract';
import type { Usage } from '../openai/types';
import { priceUsd } from '../pricing';
import { traceUsage } from '../tokens/trace-usage';

const PAYLOAD_CAP = 16 * 1024;

export interface TraceStart {
  id: string;
  endpoint: string;
  kind: EndpointKind;
  user: string;
  ingress: Trace['ingress'];
  stream: boolean;
  /** performance.now() when the plugin first saw the request (Kong's access phase). */
  startedAt: number;
  clientTraceparent?: string;
  /** Sampling parameters the client asked for (exported as OpenTelemetry GenAI attributes). */
  params?: RequestParams;
}

export interface RequestParams {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
}

/** The sampling parameters of any client API (OpenAI chat, Responses, Anthropic Messages), for telemetry. */
export function requestParams(body: Record<string, unknown>): RequestParams {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    maxTokens: num(body.max_completion_tokens) ?? num(body.max_tokens) ?? num(body.max_output_tokens),
    temperature: num(body.temperature),
    topP: num(body.top_p),
  };
}

export class TraceRecorder {
  readonly attempts: TraceAttempt[] = [];
  /** Milliseconds spent waiting on providers (and on their Retry-After), excluded from overhead. */
  providerMs = 0;
  ttftMs?: number;
  usage?: TraceUsage;
  costUsd?: number;
  served?: Destination;
  request?: string;
  response?: string;
  /** What budgets and rate limits reserved for this request and what it was charged. */
  budget?: Trace['budget'];
  /** The agent run the request belongs to, once its endpoint is known. */
  runId?: string;
  /** Set when a shadow call of this request was launched (its trace's id). */
  shadowTraceId?: string;
  /** Why the served answer ended, one per choice (OpenAI's finish_reason values). */
  finishReasons?: string[];
  /** The traceparent sent to providers: the caller's trace id, this gateway's span. */
  readonly traceparent?: string;

  constructor(readonly start: TraceStart) {
    this.traceparent = childTraceparent(start.clientTraceparent);
  }

  /** Starts timing an attempt against `destination`; it enters the trace when it ends. */
  beginAttempt(destination: Destination): AttemptRecord {
    return new AttemptRecord(this, destination);
  }

  /** Attempts so far; `inFlight` counts those begun but not yet ended (a stream opens mid-attempt). */
  attemptsSoFar(inFlight = 0): number {
    return this.attempts.length + inFlight;
  }

  setUsage(destination: Destination, usage: Usage | undefined): void {
    if (!usage) return;
    this.usage = traceUsage(usage);
    this.costUsd = priceUsd(destination, this.usage);
  }

  /** Keeps the payloads (capped) when the endpoint logs them; `redact` scrubs credentials a provider echoed. */
  capturePayloads(enabled: boolean, request: unknown, response: unknown, redact: (text: string) => string = (t) => t): void {
    if (!enabled) return;
    this.captureSerialized(capPayload(JSON.stringify(request)), response, redact);
  }

  /** As capturePayloads (when enabled), with the request already serialized and capped (capPayload). */
  captureSerialized(request: string, response: unknown, redact: (text: string) => string = (t) => t): void {
    this.request = request;
    this.response = capPayload(redact(typeof response === 'string' ? response : JSON.stringify(response)));
  }

  noteFinishReason(reason: string | null | undefined): void {
    if (reason) (this.finishReasons ??= []).push(reason);
  }

  /** Time the gateway itself added so far: everything but the providers. */
  overheadMs(now: number): number {
    return round(Math.max(0, now - this.start.startedAt - this.providerMs));
  }

  finish(now: number, status: number, errorCode?: string): Trace {
    const s = this.start;
    return {
      id: s.id,
      time: new Date(Date.now() - (now - s.startedAt)).toISOString(),
      endpoint: s.endpoint,
      kind: s.kind,
      user: s.user,
      ingress: s.ingress,
      stream: s.stream,
      ...(this.runId ? { runId: this.runId } : {}),
      status,
      ...(errorCode ? { errorCode } : {}),
      ...(this.served ? { provider: this.served.provider, model: this.served.model } : {}),
      attempts: this.attempts,
      ...(this.usage ? { usage: this.usage } : {}),
      ...(this.costUsd !== undefined ? { costUsd: this.costUsd } : {}),
      latencyMs: round(now - s.startedAt),
      overheadMs: this.overheadMs(now),
      ...(this.ttftMs !== undefined ? { ttftMs: round(this.ttftMs) } : {}),
      ...(s.clientTraceparent ? { traceparent: s.clientTraceparent } : {}),
      ...(this.budget ? { budget: this.budget } : {}),
      ...(this.shadowTraceId ? { shadowTraceId: this.shadowTraceId } : {}),
      ...(this.request !== undefined ? { request: this.request } : {}),
      ...(this.response !== undefined ? { response: this.response } : {}),
    };
  }
}

/** One provider attempt: timed from its start, the time spent waiting on the provider kept apart. */
export class AttemptRecord {
  readonly startedAt = performance.now();
  private ended = false;

  constructor(
    private readonly trace: TraceRecorder,
    readonly destination: Destination,
  ) {}

  /** Time spent waiting on the provider (its headers, its body, its stream): not the gateway's overhead. */
  waited(ms: number): void {
    this.trace.providerMs += ms;
  }

  // Waits can overlap (embeddings batches run side by side): only their union is the provider's time.
  private waiting = 0;
  private waitingSince = 0;

  /** Awaits `work` and counts the wait as the provider's time. */
  async wait<T>(work: Promise<T>): Promise<T> {
    this.startWaiting();
    try {
      return await work;
    } finally {
      this.stopWaiting();
    }
  }

  /** From now until the paired stopWaiting() is the provider's time (for waits that are not one promise: a stream's silences). */
  startWaiting(): void {
    if (this.waiting++ === 0) this.waitingSince = performance.now();
  }

  stopWaiting(): void {
    if (--this.waiting === 0) this.waited(performance.now() - this.waitingSince);
  }

  /** Enters the attempt into the trace; later calls are ignored (an attempt ends once). */
  end(status: number | null, error?: { type: string; message: string }): void {
    if (this.ended) return;
    this.ended = true;
    const d = this.destination;
    this.trace.attempts.push({
      destinationId: d.id,
      provider: d.provider,
      model: d.model,
      status,
      startOffsetMs: round(this.startedAt - this.trace.start.startedAt),
      latencyMs: round(performance.now() - this.startedAt),
      ...(error ? { error } : {}),
    });
  }
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** W3C trace context: keep the caller's trace id, name this gateway's span as the parent of the provider call. */
function childTraceparent(parent: string | undefined): string | undefined {
  const m = parent ? TRACEPARENT.exec(parent.trim()) : null;
  if (!m || m[2] === '0'.repeat(32)) return undefined;
  return `00-${m[2]}-${randomBytes(8).toString('hex')}-${m[4]}`;
}

/** A payload as traces keep it: at most PAYLOAD_CAP characters. */
export function capPayload(text: string): string {
  return text.length > PAYLOAD_CAP ? `${text.slice(0, PAYLOAD_CAP)}…[truncated ${text.length - PAYLOAD_CAP} chars]` : text;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
