// The per-kind part of the pipeline: what differs between a chat call, an
// embeddings call (and the kinds to come) is how the request is priced
// before admission and how one attempt against one destination runs. The
// rest (parse, validate, resolve, admit, plan, retry and fall back, settle,
// trace) is the same for every kind (run-request.ts).
import type { Destination, Endpoint, EndpointKind } from '../contract';
import type { CostEstimate } from '../budget/estimate-cost';
import type { GatewayError } from '../gateway-error';
import type { Sink } from '../ingress/contract';
import type { ChatRequest } from '../openai/types';
import type { Provider } from '../providers/contract';
import type { Redactor } from '../security/redact-secrets';
import type { CallSignal } from './call-signal';
import type { AttemptRecord, TraceRecorder } from './trace-recorder';

/** One admitted request on its way through the attempts. */
export interface Call<Request, S extends Sink> {
  endpoint: Endpoint;
  /** Reading it after releaseRequest() throws. */
  readonly request: Request;
  /** Drops the request once no attempt can follow (a committed stream); absent: it is kept. */
  releaseRequest?(): void;
  sink: S;
  trace: TraceRecorder;
  /** Aborts when the client goes away. */
  signal: CallSignal;
  redact: Redactor;
  /** Where the budgets it was admitted under stand, as of now (x-budget-*; absent: none apply, e.g. shadow calls). */
  budgetHeaders?: () => Record<string, string>;
}

/**
 * `answered`: the client has its answer (or a committed stream that broke:
 * `error` says why, `status` is what the trace records); stop here.
 * Otherwise `failure` decides whether another attempt follows.
 */
export type AttemptOutcome = { answered: true; status: number; error?: GatewayError } | { answered: false; failure: GatewayError };

export interface CallKind<Request, S extends Sink> {
  kind: EndpointKind;
  /** The most the request can cost, for budgets and rate limits. */
  estimate(endpoint: Endpoint, request: Request): CostEstimate;
  /** The chat form of a chat-kind request (the loop breaker's fingerprint, shadow calls); absent for other kinds. */
  chatRequest?(request: Request): ChatRequest;
  /** One attempt against one destination (its provider resolved); the loop ends `attempt` from the outcome. */
  attempt(call: Call<Request, S>, destination: Destination, provider: Provider, attempt: AttemptRecord): Promise<AttemptOutcome>;
}
