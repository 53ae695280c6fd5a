// Builds the one trace every request leaves, served, failed or rejected.
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
  /** The traceparent sent to providers: the caller's trace id, this gateway's span. */
  readonly traceparent?: string;

  constructor(readonly start: TraceStart) {
    this.traceparent = childTraceparent(start.clientTraceparent);
  }

  attempt(destination: Destination, status: number | null, latencyMs: number, error?: { type: string; message: string }): void {
    this.attempts.push({
      destinationId: destination.id,
      provider: destination.provider,
      model: destination.model,
      status,
      latencyMs: round(latencyMs),
      ...(error ? { error } : {}),
    });
  }

  setUsage(destination: Destination, usage: Usage | undefined): void {
    if (!usage) return;
    this.usage = traceUsage(usage);
    this.costUsd = priceUsd(destination, this.usage);
  }

  capturePayloads(enabled: boolean, request: unknown, response: unknown): void {
    if (!enabled) return;
    this.request = cap(JSON.stringify(request));
    this.response = cap(typeof response === 'string' ? response : JSON.stringify(response));
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
      ...(this.request !== undefined ? { request: this.request } : {}),
      ...(this.response !== undefined ? { response: this.response } : {}),
    };
  }
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** W3C trace context: keep the caller's trace id, name this gateway's span as the parent of the provider call. */
function childTraceparent(parent: string | undefined): string | undefined {
  const m = parent ? TRACEPARENT.exec(parent.trim()) : null;
  if (!m || m[2] === '0'.repeat(32)) return undefined;
  return `00-${m[2]}-${randomBytes(8).toString('hex')}-${m[4]}`;
}

function cap(text: string): string {
  return text.length > PAYLOAD_CAP ? `${text.slice(0, PAYLOAD_CAP)}…[truncated ${text.length - PAYLOAD_CAP} chars]` : text;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
