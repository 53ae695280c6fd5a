// The one request pipeline, for every kind of call and every client API:
//
//   parse -> validate -> resolve endpoint -> admit -> attempts -> settle -> trace
//
// Governance hooks in at three points (plugin/governance): the request's run
// once its endpoint is known, the loop breaker inside admission, and shadow
// traffic sampled before the attempts and sent after the trace.
//
// The client API (ingress) says how to read the request and write answers;
// the kind says how to price it and how one attempt runs. Every request
// leaves exactly one trace, whatever happens to it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Admission } from '../budget/guard';
import type { IndexedSnapshot } from '../config/store';
import type { Endpoint, Trace } from '../contract';
import { GatewayError } from '../gateway-error';
import { fingerprintRequest } from '../governance/fingerprint-request';
import { resolveRun } from '../governance/resolve-run';
import type { ShadowTicket } from '../governance/shadow-dispatcher';
import type { Ingress, Sink } from '../ingress/contract';
import { errorBody } from '../ingress/send-json';
import { log } from '../log';
import type { ErrorBody } from '../openai/types';
import { runAttempts } from './attempt-loop';
import type { AttemptOutcome, Call, CallKind } from './call-kind';
import { CallAbort, type CallSignal } from './call-signal';
import { gatewayHeaders } from './gateway-headers';
import type { PipelineRuntime } from './pipeline-runtime';
import { readJsonBody } from './read-json-body';
import { headerOf, releaseRequestHeaders } from './request-headers';
import { requestParams, TraceRecorder } from './trace-recorder';

export interface RequestOrigin {
  req: IncomingMessage;
  res: ServerResponse;
  /** Who Kong's access phase admitted (the consumer), and when it first saw the request. */
  consumer?: string;
  startedAt: number;
}

export interface ApiRoute<Request, S extends Sink> {
  ingress: Ingress<Request, S>;
  kind: CallKind<Request, S>;
}

export async function runRequest<Request, S extends Sink>(rt: PipelineRuntime, origin: RequestOrigin, route: ApiRoute<Request, S>): Promise<void> {
  const { req, res } = origin;
  const { ingress, kind } = route;

  // parse
  const body = await readJsonBody(req, rt.maxBodyBytes);
  const raw = (body.ok && typeof body.value === 'object' && body.value !== null ? body.value : {}) as Record<string, unknown>;
  const requested = typeof raw.model === 'string' ? raw.model : '-';
  const trace = new TraceRecorder({
    id: randomUUID(),
    endpoint: requested,
    kind: kind.kind,
    user: origin.consumer ?? userOf(raw) ?? 'anonymous',
    ingress: ingress.name,
    stream: raw.stream === true,
    startedAt: origin.startedAt,
    clientTraceparent: headerOf(req, 'traceparent'),
    params: requestParams(raw),
  });
  const reject = (status: number, error: ErrorBody, headers: Record<string, string> = {}): void => {
    ingress.sendError(res, status, error, { ...headers, 'x-request-id': trace.start.id });
    leaveTrace(rt, trace, status, error.error.code ?? error.error.type);
  };
  if (!body.ok) return reject(body.status, errorBody(body.message, 'invalid_request_error', body.code));

  // validate
  const parsed = ingress.parse(body.value);
  if (!parsed.ok) return reject(400, errorBody(parsed.message, 'invalid_request_error', 'invalid_request', parsed.param));

  // resolve the endpoint
  const snapshot = await rt.config.ready(2_000);
  if (!snapshot) return reject(503, configUnavailable());
  const endpoint = snapshot.endpoints.get(requested);
  if (!endpoint) return reject(404, modelNotFound(requested));
  if (endpoint.kind !== kind.kind) {
    return reject(
      400,
      errorBody(`Endpoint '${endpoint.name}' serves ${endpoint.kind}, not ${kind.kind}.`, 'invalid_request_error', 'wrong_endpoint_kind', 'model'),
    );
  }

  // the agent run it belongs to (run-scoped budgets and limits, the loop breaker)
  const run = resolveRun(endpoint, (name) => headerOf(req, name));
  if (!run.ok) return reject(400, errorBody(run.message, 'invalid_request_error', 'invalid_run_id', run.param));
  trace.runId = run.run;

  // prepare: the ingress completes the request from stored state (a continued conversation)
  const context = { endpoint, user: trace.start.user, requestId: trace.start.id, conversations: rt.conversations };
  let request = parsed.value;
  if (ingress.prepare) {
    const prepared = await ingress.prepare(request, context);
    if (!prepared.ok) return reject(prepared.status, prepared.error);
    request = prepared.value;
  }

  // admit: budgets and rate limits, before any provider call
  const admitted = await rt.budget.admit({
    endpoint,
    policies: snapshot.snapshot.budgets,
    user: trace.start.user,
    run: run.run,
    fingerprint: () => fingerprintRequest(kind.chatRequest?.(request) ?? (request as object)),
    estimate: () => kind.estimate(endpoint, request),
  });
  if (!admitted.ok) return reject(admitted.refusal.status, admitted.refusal.error, admitted.refusal.headers);
  const shadow = rt.shadow.sample(endpoint, kind.chatRequest?.(request));
  const sink = ingress.sink(res, request, context);
  const call = openCall(res, {
    endpoint,
    request,
    sink: shadow ? shadow.watch(sink) : sink,
    trace,
    redact: snapshot.redact,
    // Read when the answer's headers go out: a whole answer's cost is known by then, a stream's is not.
    budgetHeaders: budgetHeadersOf(rt, admitted.admission, trace),
  });
  const sticky = stickyKey(endpoint, req, trace.start.user);
  // The last header read: the open response keeps its request, not its headers.
  releaseRequestHeaders(req);
  // Not awaited here: this frame (and the parsed body it holds) goes now; the call holds the request only until released.
  return attemptAndSettle(rt, { call, kind, stickyKey: sticky, admission: admitted.admission, shadow, snapshot });
}

interface Admitted<Request, S extends Sink> {
  call: Call<Request, S>;
  kind: CallKind<Request, S>;
  stickyKey?: string;
  admission: Admission;
  shadow?: ShadowTicket;
  snapshot: IndexedSnapshot;
}

// attempts, then settle (whatever happened) and trace. Callbacks, not an async frame: a frame awaiting the
// attempts would stay suspended for a stream's whole length, holding what it holds.
function attemptAndSettle<Request, S extends Sink>(rt: PipelineRuntime, a: Admitted<Request, S>): Promise<void> {
  const { call, kind } = a;
  return runAttempts({ call, kind, stickyKey: a.stickyKey, health: rt.health, random: Math.random }).then(
    (outcome) => settle(rt, a, outcome),
    (err: unknown) => {
      // A bug must still end the request properly and leave its trace (logged without payloads).
      log.error('pipeline: unhandled error', { error: (err as Error).stack ?? String(err) });
      settle(rt, a, { answered: false, failure: internalError() });
    },
  );
}

function settle<Request, S extends Sink>(rt: PipelineRuntime, a: Admitted<Request, S>, outcome: AttemptOutcome): void {
  const { call, shadow, snapshot } = a;
  const { trace } = call;
  trace.budget = rt.budget.settle(a.admission, { usage: trace.usage, costUsd: trace.costUsd, served: trace.served });
  const { status, errorCode } = answer(call, outcome);
  if (shadow?.answered(outcome)) trace.shadowTraceId = shadow.id;
  const finished = leaveTrace(rt, trace, status, errorCode, call.endpoint.logPayloads);
  if (trace.shadowTraceId) shadow!.launch(finished, snapshot.snapshot.budgets, snapshot.redact);
}

/** The call, aborted when the client goes away (exported for tests of what an open stream holds). */
export function openCall<Request, S extends Sink>(res: ServerResponse, parts: Omit<Call<Request, S>, 'signal' | 'releaseRequest'>): Call<Request, S> {
  const abort = new CallAbort();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return new OpenCall(parts, abort);
}

/**
 * A call whose request sits in a slot that a committed stream empties
 * (releaseRequest). A class, not an object literal with an accessor: V8
 * keeps such a literal's properties in a dictionary (~0.4 KiB per call).
 */
class OpenCall<Request, S extends Sink> implements Call<Request, S> {
  readonly endpoint: Call<Request, S>['endpoint'];
  readonly sink: S;
  readonly trace: TraceRecorder;
  readonly redact: Call<Request, S>['redact'];
  readonly budgetHeaders: Call<Request, S>['budgetHeaders'];
  private held: { request: Request } | undefined;

  constructor(
    parts: Omit<Call<Request, S>, 'signal' | 'releaseRequest'>,
    readonly signal: CallSignal,
  ) {
    this.endpoint = parts.endpoint;
    this.sink = parts.sink;
    this.trace = parts.trace;
    this.redact = parts.redact;
    this.budgetHeaders = parts.budgetHeaders;
    this.held = { request: parts.request };
  }

  get request(): Request {
    if (!this.held) throw new Error('the request was released: nothing may read it once its stream committed');
    return this.held.request;
  }

  releaseRequest(): void {
    this.held = undefined;
  }
}

function budgetHeadersOf(rt: PipelineRuntime, admission: Admission, trace: TraceRecorder): () => Record<string, string> {
  return () => rt.budget.remainingHeaders(admission, { usage: trace.usage, costUsd: trace.costUsd, served: trace.served });
}

/** The request's one trace: to the control plane, and as OpenTelemetry spans to the configured exporters. */
function leaveTrace(rt: PipelineRuntime, trace: TraceRecorder, status: number, errorCode?: string, logPayloads = false): Trace {
  const finished = trace.finish(performance.now(), status, errorCode);
  rt.shipper.enqueue(finished);
  rt.telemetry?.export(finished, trace, logPayloads);
  return finished;
}

/** Writes the failure when no attempt answered; the status and code the trace records. */
function answer(call: Call<unknown, Sink>, outcome: AttemptOutcome): { status: number; errorCode?: string } {
  if (outcome.answered) return { status: outcome.status, errorCode: codeOf(outcome.error) };
  if (call.signal.aborted) return { status: 499, errorCode: 'client_closed_request' };
  const { failure } = outcome;
  const headers = { ...gatewayHeaders(call.trace, call.endpoint.name), ...retryAfterHeader(failure) };
  call.sink.error(failure.status, failure.body(call.trace.attempts.length), headers);
  return { status: failure.status, errorCode: codeOf(failure) };
}

function codeOf(error: GatewayError | undefined): string | undefined {
  return error ? (error.code ?? error.type) : undefined;
}

/** Passes the provider's Retry-After on, so clients (and SDK retries) know how long to wait. */
function retryAfterHeader(failure: GatewayError): Record<string, string> {
  return failure.retryAfterMs !== undefined && failure.status === 429 ? { 'retry-after': String(Math.ceil(failure.retryAfterMs / 1000)) } : {};
}

export function modelNotFound(name: string): ErrorBody {
  return errorBody(`The model '${name}' does not exist: no gateway endpoint has that name.`, 'invalid_request_error', 'model_not_found', 'model');
}

export function configUnavailable(): ErrorBody {
  return errorBody('The gateway has no configuration yet: the control plane has not been reached.', 'service_unavailable', 'config_unavailable');
}

function internalError(): GatewayError {
  return new GatewayError('The gateway failed to handle this request.', 500, 'server_error', 'internal_error', null);
}

/** OpenAI's `user`, or Anthropic's `metadata.user_id`. */
function userOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.user === 'string' && body.user) return body.user;
  const metadata = body.metadata as { user_id?: unknown } | undefined;
  return typeof metadata?.user_id === 'string' && metadata.user_id ? metadata.user_id : undefined;
}

function stickyKey(endpoint: Endpoint, req: IncomingMessage, user: string): string | undefined {
  const s = endpoint.stickiness;
  if (!s) return undefined;
  if (s.by === 'user') return user === 'anonymous' ? undefined : user;
  return s.header ? headerOf(req, s.header.toLowerCase()) : undefined;
}
