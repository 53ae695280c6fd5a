// One embeddings request: same attempt loop as chat, no streaming. Inputs
// beyond a provider's per-call cap go out as several calls (embedding-batches).
import type { ServerResponse } from 'node:http';
import type { Destination, Endpoint } from '../contract';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../openai/types';
import type { EmbeddingsTranslation, Provider, Target } from '../providers/contract';
import type { AttemptFailure } from '../routing/retry';
import type { DestinationHealth } from '../routing/cooldown';
import { callUpstream, classifyError } from '../upstream/call';
import { runAttempts, type AttemptOutcome } from './attempts';
import { mergeEmbeddingsResponses, splitEmbeddingsRequest } from './embedding-batches';
import { failureBody, fromProviderError, responseContext, retryAfterHeader } from './chat';
import { gatewayHeaders } from './headers';
import { resolveProvider } from './provider-lookup';
import { sendJson } from './respond';
import type { TraceRecorder } from './trace';

/** Provider calls in flight at once for one request split into batches. */
const BATCH_CONCURRENCY = 4;

export interface EmbeddingsJob {
  endpoint: Endpoint;
  request: EmbeddingsRequest;
  stickyKey?: string;
  health: DestinationHealth;
  trace: TraceRecorder;
  res: ServerResponse;
  signal: AbortSignal;
}

export async function runEmbeddings(job: EmbeddingsJob): Promise<{ status: number; errorCode?: string }> {
  const failure = await runAttempts({
    endpoint: job.endpoint,
    stickyKey: job.stickyKey,
    health: job.health,
    trace: job.trace,
    signal: job.signal,
    random: Math.random,
    run: (destination) => attemptEmbeddings(job, destination),
  });
  if (!failure) return { status: 200 };
  if (job.signal.aborted) return { status: 499, errorCode: 'client_closed_request' };
  sendJson(job.res, failure.status, failureBody(failure, job.trace.attempts.length), { ...headers(job), ...retryAfterHeader(failure) });
  return { status: failure.status, errorCode: failure.code ?? failure.type };
}

async function attemptEmbeddings(job: EmbeddingsJob, destination: Destination): Promise<AttemptOutcome> {
  const { trace } = job;
  const failed = (failure: ReturnType<typeof fromProviderError>, latencyMs: number): AttemptOutcome => {
    trace.providerMs += latencyMs;
    trace.attempt(destination, failure.upstreamStatus, latencyMs, { type: failure.code ?? failure.type, message: failure.message });
    return { done: false, failure };
  };
  const provider = resolveProvider(destination);
  if (!provider.ok) return failed(provider.failure, 0);
  const embeddings = provider.value.embeddings;
  if (!embeddings) {
    return failed({ ...fromProviderError(new Error(`provider '${destination.provider}' has no embeddings API`)), code: 'embeddings_not_supported' }, 0);
  }
  const target: Target = { provider: destination.provider, model: destination.model, credentials: destination.credentials, options: destination.options };
  const batches = splitEmbeddingsRequest(job.request, embeddings.maxInputs?.(target));
  // The batches run side by side; the first failure fails the attempt and cancels the rest.
  const cancel = new AbortController();
  const signal = AbortSignal.any([job.signal, cancel.signal]);
  const started = performance.now();
  const answers: EmbeddingsResponse[] = [];
  let failure: AttemptFailure | undefined;
  const queue = batches.map((batch, n) => ({ batch, n }));
  const worker = async () => {
    for (let next = queue.shift(); next && !failure; next = queue.shift()) {
      const result = await embedOnce(job, destination, provider.value, embeddings, target, next.batch, signal);
      if ('failure' in result) {
        failure ??= result.failure;
        cancel.abort();
      } else {
        answers[next.n] = result.answer;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, batches.length) }, worker));
  const elapsed = performance.now() - started;
  if (failure) return failed(failure, elapsed);
  let answer = mergeEmbeddingsResponses(answers);
  if (job.request.encoding_format === 'base64') answer = { ...answer, data: answer.data.map((d) => ({ ...d, embedding: toBase64(d.embedding) })) };
  trace.providerMs += elapsed;
  trace.attempt(destination, 200, elapsed);
  trace.served = destination;
  trace.setUsage(destination, { prompt_tokens: answer.usage.prompt_tokens, completion_tokens: 0, total_tokens: answer.usage.total_tokens });
  trace.capturePayloads(job.endpoint.logPayloads, job.request, { model: answer.model, count: answer.data.length });
  sendJson(job.res, 200, answer, headers(job));
  return { done: true };
}

/** One provider call for one batch of inputs. */
async function embedOnce(
  job: EmbeddingsJob,
  destination: Destination,
  provider: Provider,
  embeddings: EmbeddingsTranslation,
  target: Target,
  request: EmbeddingsRequest,
  signal: AbortSignal,
): Promise<{ answer: EmbeddingsResponse } | { failure: AttemptFailure }> {
  let upstream;
  try {
    upstream = embeddings.buildRequest(request, target);
    if (provider.sign) upstream = await provider.sign(upstream, target, new Date());
  } catch (err) {
    return { failure: fromProviderError(err) };
  }
  if (job.trace.traceparent) upstream.headers.traceparent = job.trace.traceparent;
  const called = await callUpstream(upstream, destination.timeoutMs, signal);
  if (!called.ok) return { failure: called.failure };
  let text: string;
  try {
    text = await called.response.body.text();
  } catch (err) {
    return { failure: classifyError(err, destination.timeoutMs) };
  }
  if (called.response.status >= 300) return { failure: fromProviderError(provider.parseError(called.response.status, text, called.response.headers)) };
  try {
    return { answer: embeddings.parseResponse(JSON.parse(text), responseContext(job.trace.start.id, destination)) };
  } catch (err) {
    return { failure: { ...fromProviderError(err), kind: 'invalid-response', status: 502, upstreamStatus: 200, code: 'provider_bad_response' } };
  }
}

function headers(job: EmbeddingsJob): Record<string, string> {
  const { trace } = job;
  return gatewayHeaders(trace.start.id, job.endpoint.name, trace.attempts.length, trace.overheadMs(performance.now()), trace.served);
}

// OpenAI's base64 encoding is the little-endian float32 array; providers that
// only speak floats get it here (the official OpenAI SDKs ask for base64).
function toBase64(embedding: number[] | string): string {
  if (typeof embedding === 'string') return embedding;
  return Buffer.from(new Float32Array(embedding).buffer).toString('base64');
}
