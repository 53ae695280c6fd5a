// One embeddings request: same attempt loop as chat, no streaming.
import type { ServerResponse } from 'node:http';
import type { Destination, Endpoint } from '../contract';
import type { EmbeddingsRequest } from '../openai/types';
import type { Target } from '../providers/contract';
import type { DestinationHealth } from '../routing/cooldown';
import { callUpstream, classifyError } from '../upstream/call';
import { runAttempts, type AttemptOutcome } from './attempts';
import { failureBody, fromProviderError, responseContext, retryAfterHeader } from './chat';
import { gatewayHeaders } from './headers';
import { resolveProvider } from './provider-lookup';
import { sendJson } from './respond';
import type { TraceRecorder } from './trace';

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
  let upstream;
  try {
    upstream = embeddings.buildRequest(job.request, target);
    if (provider.value.sign) upstream = await provider.value.sign(upstream, target, new Date());
  } catch (err) {
    return failed(fromProviderError(err), 0);
  }
  if (trace.traceparent) upstream.headers.traceparent = trace.traceparent;

  const started = performance.now();
  const called = await callUpstream(upstream, destination.timeoutMs, job.signal);
  if (!called.ok) return failed(called.failure, performance.now() - started);
  let text: string;
  try {
    text = await called.response.body.text();
  } catch (err) {
    return failed(classifyError(err, destination.timeoutMs), performance.now() - started);
  }
  const elapsed = performance.now() - started;
  if (called.response.status >= 300) {
    return failed(fromProviderError(provider.value.parseError(called.response.status, text, called.response.headers)), elapsed);
  }
  let answer;
  try {
    answer = embeddings.parseResponse(JSON.parse(text), responseContext(trace.start.id, destination));
  } catch (err) {
    const failure = fromProviderError(err);
    return failed({ ...failure, kind: 'invalid-response', status: 502, upstreamStatus: 200, code: 'provider_bad_response' }, elapsed);
  }
  if (job.request.encoding_format === 'base64') answer = { ...answer, data: answer.data.map((d) => ({ ...d, embedding: toBase64(d.embedding) })) };
  trace.providerMs += elapsed;
  trace.attempt(destination, 200, elapsed);
  trace.served = destination;
  trace.setUsage(destination, { prompt_tokens: answer.usage.prompt_tokens, completion_tokens: 0, total_tokens: answer.usage.total_tokens });
  trace.capturePayloads(job.endpoint.logPayloads, job.request, { model: answer.model, count: answer.data.length });
  sendJson(job.res, 200, answer, headers(job));
  return { done: true };
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
