// The embeddings part of the pipeline: no streaming; inputs beyond a
// provider's per-call cap go out as several calls of one attempt
// (embedding-batches.ts), up to BATCH_CONCURRENCY at once.
import type { Destination } from '../../contract';
import { estimateEmbeddingsCost } from '../../budget/estimate-cost';
import { GatewayError } from '../../gateway-error';
import type { EmbeddingsSink } from '../../ingress/contract';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types';
import type { EmbeddingsTranslation, Provider } from '../../providers/contract';
import { callProvider, readBody, targetOf, unreadableAnswer } from '../call-provider';
import type { Call, CallKind } from '../call-kind';
import { CallAbort, type CallSignal } from '../call-signal';
import { answerHeaders } from '../gateway-headers';
import type { AttemptRecord } from '../trace-recorder';
import { responseContext } from './chat';
import { mergeEmbeddingsResponses, splitEmbeddingsRequest } from './embedding-batches';

/** Provider calls in flight at once for one request split into batches. */
const BATCH_CONCURRENCY = 4;

type EmbeddingsCall = Call<EmbeddingsRequest, EmbeddingsSink>;

export const embeddingsKind: CallKind<EmbeddingsRequest, EmbeddingsSink> = {
  kind: 'embeddings',
  estimate: estimateEmbeddingsCost,
  async attempt(call, destination, provider, attempt) {
    const embeddings = provider.embeddings;
    if (!embeddings) {
      const message = `provider '${destination.provider}' has no embeddings API`;
      return { answered: false, failure: new GatewayError(message, 500, 'server_error', 'embeddings_not_supported', null, undefined, null, 'configuration') };
    }
    const batches = splitEmbeddingsRequest(call.request, embeddings.maxInputs?.(targetOf(destination)));
    // The batches run side by side; the first failure fails the attempt and cancels the rest.
    const cancel = new CallAbort();
    const passOn = () => cancel.abort(call.signal.reason);
    if (call.signal.aborted) passOn();
    else call.signal.addEventListener('abort', passOn);
    const answers: EmbeddingsResponse[] = [];
    let failure: GatewayError | undefined;
    const queue = batches.map((batch, n) => ({ batch, n }));
    const worker = async () => {
      for (let next = queue.shift(); next && !failure; next = queue.shift()) {
        const result = await embedOnce(call, destination, provider, embeddings, next.batch, attempt, cancel);
        if ('failure' in result) {
          failure ??= result.failure;
          cancel.abort();
        } else {
          answers[next.n] = result.answer;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, batches.length) }, worker));
    } finally {
      call.signal.removeEventListener('abort', passOn);
    }
    if (failure) return { answered: false, failure };

    let answer = mergeEmbeddingsResponses(answers);
    if (call.request.encoding_format === 'base64') answer = { ...answer, data: answer.data.map((d) => ({ ...d, embedding: toBase64(d.embedding) })) };
    const { trace } = call;
    trace.served = destination;
    trace.setUsage(destination, { prompt_tokens: answer.usage.prompt_tokens, completion_tokens: 0, total_tokens: answer.usage.total_tokens });
    trace.capturePayloads(call.endpoint.logPayloads, call.request, { model: answer.model, count: answer.data.length });
    call.sink.embeddings(answer, answerHeaders(call));
    return { answered: true, status: 200 };
  },
};

/** One provider call for one batch of inputs. */
async function embedOnce(
  call: EmbeddingsCall,
  destination: Destination,
  provider: Provider,
  embeddings: EmbeddingsTranslation,
  batch: EmbeddingsRequest,
  attempt: AttemptRecord,
  signal: CallSignal,
): Promise<{ answer: EmbeddingsResponse } | { failure: GatewayError }> {
  const called = await callProvider({
    provider,
    destination,
    build: (target) => embeddings.buildRequest(batch, target),
    attempt,
    traceparent: call.trace.traceparent,
    signal,
  });
  if (!called.ok) return { failure: called.failure };
  const body = await readBody(called.response, destination, attempt);
  if (!body.ok) return { failure: body.failure };
  try {
    return { answer: embeddings.parseResponse(JSON.parse(body.text), responseContext(call.trace.start.id, destination)) };
  } catch (err) {
    return { failure: unreadableAnswer(destination, err) };
  }
}

// OpenAI's base64 encoding is the little-endian float32 array; providers that
// only speak floats get it here (the official OpenAI SDKs ask for base64).
function toBase64(embedding: number[] | string): string {
  if (typeof embedding === 'string') return embedding;
  return Buffer.from(new Float32Array(embedding).buffer).toString('base64');
}
