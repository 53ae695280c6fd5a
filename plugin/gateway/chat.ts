// One chat request through the providers: build the provider request,
// call, translate the answer (or the stream) back, fall back on failure.
// A stream can fall back only until its first byte reaches the client.
import { randomBytes } from 'node:crypto';
import type { Destination, Endpoint } from '../contract';
import { toolCallInput } from '../openai/tool-call-input';
import type { ChatChunk, ChatCompletion, ChatRequest } from '../openai/types';
import { estimateUsage } from '../tokens/count';
import { ProviderError, type Provider, type ResponseContext, type Target } from '../providers/contract';
import { createStreamDecoder } from '../providers/framing';
import type { DestinationHealth } from '../routing/cooldown';
import type { AttemptFailure } from '../routing/retry';
import { callUpstream, classifyError } from '../upstream/call';
import { runAttempts } from './attempts';
import { gatewayHeaders } from './headers';
import { resolveProvider } from './provider-lookup';
import type { ChatSink } from './sink';
import type { TraceRecorder } from './trace';

export interface ChatJob {
  endpoint: Endpoint;
  request: ChatRequest;
  stickyKey?: string;
  health: DestinationHealth;
  trace: TraceRecorder;
  sink: ChatSink;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

export interface ChatResult {
  status: number;
  errorCode?: string;
}

export async function runChat(job: ChatJob): Promise<ChatResult> {
  const { trace, endpoint } = job;
  let result: ChatResult = { status: 200 };
  const failure = await runAttempts({
    endpoint,
    stickyKey: job.stickyKey,
    health: job.health,
    trace,
    signal: job.signal,
    random: Math.random,
    run: async (destination) => {
      const outcome = await attemptChat(job, destination);
      if (outcome.done) result = outcome.result;
      return outcome;
    },
  });
  if (!failure) return result;
  if (job.signal.aborted) return { status: 499, errorCode: 'client_closed_request' };
  job.sink.error(failure.status, failureBody(failure, trace.attempts.length), { ...headersFor(job), ...retryAfterHeader(failure) });
  return { status: failure.status, errorCode: failure.code ?? failure.type };
}

type ChatOutcome = { done: true; result: ChatResult } | { done: false; failure: AttemptFailure };

async function attemptChat(job: ChatJob, destination: Destination): Promise<ChatOutcome> {
  const { trace, request } = job;
  const provider = resolveProvider(destination);
  if (!provider.ok) return fail(job, destination, provider.failure, 0);
  const target: Target = { provider: destination.provider, model: destination.model, credentials: destination.credentials, options: destination.options };

  let upstream;
  try {
    upstream = provider.value.chat.buildRequest(request, target);
    if (provider.value.sign) upstream = await provider.value.sign(upstream, target, new Date());
  } catch (err) {
    return fail(job, destination, fromProviderError(err), 0);
  }
  if (trace.traceparent) upstream.headers.traceparent = trace.traceparent;

  const started = performance.now();
  const called = await callUpstream(upstream, destination.timeoutMs, job.signal);
  if (!called.ok) return fail(job, destination, called.failure, performance.now() - started);
  const res = called.response;

  if (res.status >= 300) {
    const text = await res.body.text().catch(() => '');
    return fail(job, destination, fromProviderError(provider.value.parseError(res.status, text, res.headers)), performance.now() - started);
  }
  const ctx = responseContext(trace.start.id, destination);
  return request.stream
    ? streamAnswer(job, destination, provider.value, res.body, ctx, started)
    : wholeAnswer(job, destination, provider.value, res.body, ctx, started);
}

async function wholeAnswer(
  job: ChatJob,
  destination: Destination,
  provider: Provider,
  body: AsyncIterable<Buffer> & { text(): Promise<string> },
  ctx: ResponseContext,
  started: number,
): Promise<ChatOutcome> {
  let text: string;
  try {
    text = await body.text();
  } catch (err) {
    return fail(job, destination, classifyError(err, destination.timeoutMs), performance.now() - started);
  }
  const elapsed = performance.now() - started;
  let completion;
  try {
    completion = provider.chat.parseResponse(JSON.parse(text), ctx);
  } catch (err) {
    return fail(job, destination, invalidResponse(destination, err), elapsed);
  }
  const { trace } = job;
  completion.usage ??= estimateUsage(job.request, answerText(completion));
  trace.providerMs += elapsed;
  trace.attempt(destination, 200, elapsed);
  trace.served = destination;
  trace.setUsage(destination, completion.usage);
  trace.capturePayloads(job.endpoint.logPayloads, job.request, completion);
  job.sink.completion(completion, headersFor(job));
  return { done: true, result: { status: 200 } };
}

async function streamAnswer(
  job: ChatJob,
  destination: Destination,
  provider: Provider,
  body: AsyncIterable<Buffer>,
  ctx: ResponseContext,
  started: number,
): Promise<ChatOutcome> {
  const { trace, sink } = job;
  const decoder = createStreamDecoder(provider.chat.framing);
  const transformer = provider.chat.createStreamTransformer(ctx, job.request);
  const iterator = body[Symbol.asyncIterator]();
  let opened = false;
  let providerWait = 0;
  // What the model produced, for payload capture and for estimating usage
  // when the provider reports none.
  let produced = '';
  // Chunks that carry nothing yet (the role-only opener) are held back, so a
  // provider failing right after it can still fall back: the stream commits
  // with its first content, tool call or finish reason.
  let held: ChatChunk[] = [];
  const emit = (incoming: ChatChunk[]): void => {
    let chunks = incoming;
    if (!opened) {
      held.push(...incoming);
      if (!held.some(carriesAnswer)) return;
      chunks = held;
      held = [];
      opened = true;
      trace.ttftMs = performance.now() - trace.start.startedAt;
      trace.served = destination;
      sink.open(headersFor(job, 1));
    }
    for (const chunk of chunks) {
      const delta = chunk.choices[0]?.delta;
      produced += (delta?.content ?? '') + (delta?.tool_calls?.map((c) => c.function?.arguments ?? '').join('') ?? '');
      sink.chunk(chunk);
    }
  };
  // Provider time is the time spent waiting for its bytes; the rest is ours.
  const account = (status: number | null, error?: { type: string; message: string }): void => {
    trace.providerMs += providerWait;
    trace.attempt(destination, status, performance.now() - started, error);
  };

  try {
    for (;;) {
      const waitFrom = performance.now();
      const next = await iterator.next();
      providerWait += performance.now() - waitFrom;
      if (next.done) break;
      for (const event of decoder.push(next.value)) emit(transformer.push(event));
    }
    for (const event of decoder.end()) emit(transformer.push(event));
    emit(transformer.end());
  } catch (err) {
    if (job.signal.aborted) {
      account(200, { type: 'client_closed_request', message: 'the client went away mid-stream' });
      trace.setUsage(destination, transformer.usage() ?? estimateUsage(job.request, produced));
      return { done: true, result: { status: 499, errorCode: 'client_closed_request' } };
    }
    const failure = err instanceof ProviderError ? fromProviderError(err) : classifyError(err, destination.timeoutMs);
    if (opened && !(err instanceof ProviderError)) failure.message = `the connection to ${destination.provider} broke mid-stream: ${failure.message}`;
    if (!opened) {
      return fail(job, destination, failure, performance.now() - started, providerWait);
    }
    account(200, { type: failure.type, message: failure.message });
    trace.setUsage(destination, transformer.usage() ?? estimateUsage(job.request, produced));
    sink.streamError(failureBody(failure, trace.attempts.length));
    return { done: true, result: { status: failure.status, errorCode: failure.code ?? failure.type } };
  }

  if (!transformer.completed()) {
    const failure: AttemptFailure = {
      kind: 'connection',
      status: 502,
      upstreamStatus: 200,
      type: 'upstream_error',
      code: 'stream_truncated',
      message: `${destination.provider} ended the stream before the answer was complete`,
    };
    if (!opened) return fail(job, destination, failure, performance.now() - started, providerWait);
    account(200, { type: failure.type, message: failure.message });
    trace.setUsage(destination, transformer.usage() ?? estimateUsage(job.request, produced));
    sink.streamError(failureBody(failure, trace.attempts.length));
    return { done: true, result: { status: 502, errorCode: 'stream_truncated' } };
  }

  account(200);
  const usage = transformer.usage() ?? estimateUsage(job.request, produced);
  trace.setUsage(destination, usage);
  trace.capturePayloads(job.endpoint.logPayloads, job.request, produced);
  if (!opened) {
    trace.served = destination;
    sink.open(headersFor(job)); // an empty answer is still a stream
    for (const chunk of held) sink.chunk(chunk);
  }
  sink.close(usage, { id: ctx.id, created: ctx.created, model: destination.model });
  return { done: true, result: { status: 200 } };
}

function answerText(completion: ChatCompletion): string {
  const message = completion.choices[0]?.message;
  return (message?.content ?? '') + (message?.tool_calls?.map((c) => toolCallInput(c).text).join('') ?? '');
}

function carriesAnswer(chunk: ChatChunk): boolean {
  return chunk.choices.some((c) => c.finish_reason !== null || !!c.delta.content || !!c.delta.tool_calls?.length || !!c.delta.refusal);
}

function fail(job: ChatJob, destination: Destination, failure: AttemptFailure, latencyMs: number, providerMs = latencyMs): ChatOutcome {
  job.trace.providerMs += providerMs;
  job.trace.attempt(destination, failure.upstreamStatus, latencyMs, { type: failure.code ?? failure.type, message: failure.message });
  return { done: false, failure };
}

/** `inFlight`: attempts not yet recorded in the trace (a stream opens before its attempt ends). */
function headersFor(job: ChatJob, inFlight = 0): Record<string, string> {
  const { trace } = job;
  return gatewayHeaders(trace.start.id, job.endpoint.name, trace.attempts.length + inFlight, trace.overheadMs(performance.now()), trace.served);
}

export function responseContext(traceId: string, destination: Destination): ResponseContext {
  return {
    id: `chatcmpl-${traceId.replace(/-/g, '')}`,
    created: Math.floor(Date.now() / 1000),
    model: destination.model,
    newId: () => `call_${randomBytes(12).toString('base64url')}`,
  };
}

export function fromProviderError(err: unknown): AttemptFailure {
  if (err instanceof ProviderError) {
    return {
      kind: 'status',
      status: err.status,
      upstreamStatus: err.upstreamStatus,
      type: err.type,
      code: err.code,
      message: err.message,
      retryAfterMs: err.retryAfterMs,
      param: err.param,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'status', status: 500, upstreamStatus: null, type: 'server_error', code: 'translation_failed', message };
}

function invalidResponse(destination: Destination, err: unknown): AttemptFailure {
  const detail = err instanceof Error ? err.message : String(err);
  return {
    kind: 'invalid-response',
    status: 502,
    upstreamStatus: 200,
    type: 'upstream_error',
    code: 'provider_bad_response',
    message: `${destination.provider} returned a response the gateway could not read: ${detail}`,
  };
}

/** Passes the provider's Retry-After on, so clients (and SDK retries) know how long to wait. */
export function retryAfterHeader(failure: AttemptFailure): Record<string, string> {
  return failure.retryAfterMs !== undefined && failure.status === 429 ? { 'retry-after': String(Math.ceil(failure.retryAfterMs / 1000)) } : {};
}

export function failureBody(
  failure: AttemptFailure,
  attempts: number,
): { error: { message: string; type: string; param: string | null; code: string | null } } {
  const prefix = attempts > 1 ? `All ${attempts} attempts failed; the last one: ` : '';
  return { error: { message: `${prefix}${failure.message}`, type: failure.type, param: failure.param ?? null, code: failure.code } };
}
