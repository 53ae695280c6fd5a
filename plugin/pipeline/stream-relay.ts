// Relays one streamed chat attempt: provider bytes -> provider events ->
// OpenAI chunks -> the client's sink, as they come. Chunks that carry
// nothing yet (the role-only opener) are held back, so a provider failing
// right after accepting the request can still fall back: the stream commits
// with its first content, tool call or finish reason. Every way the attempt
// can end goes through finish(), once.
import type { Readable } from 'node:stream';
import type { Destination } from '../contract';
import { GatewayError } from '../gateway-error';
import type { ChatSink } from '../ingress/contract';
import type { ChatChunk, ChatRequest } from '../openai/types';
import type { Provider, ResponseContext, StreamTransformer } from '../providers/contract';
import { createStreamDecoder } from '../providers/shared/decode-stream-framing';
import { estimateUsage, usageFor } from '../tokens/count';
import { classifyError } from '../upstream/call';
import type { AttemptOutcome, Call } from './call-kind';
import { CommittedRequest } from './committed-request';
import type { AttemptRecord } from './trace-recorder';

export interface StreamRelayOptions {
  call: Call<ChatRequest, ChatSink>;
  destination: Destination;
  provider: Provider;
  ctx: ResponseContext;
  attempt: AttemptRecord;
  /** Response headers as of now (the attempt in flight counted). */
  headers: () => Record<string, string>;
}

export class StreamRelay {
  private opened = false;
  private held: ChatChunk[] = [];
  /** What the model produced, for payload capture and for estimating usage when the provider reports none. */
  private produced = '';
  private readonly transformer: StreamTransformer;
  /** Set when the stream commits: what its end needs of the request, which is released then. */
  private committed?: CommittedRequest;

  constructor(private readonly o: StreamRelayOptions) {
    this.transformer = o.provider.chat.createStreamTransformer(o.ctx, o.call.request);
  }

  /**
   * Reads the body by its events, not through an async iterator: an open stream then holds no suspended
   * frames (the iterator's generator, a frame awaiting each piece), only these listeners and its end's promise.
   */
  relay(body: Readable): Promise<AttemptOutcome> {
    const decoder = createStreamDecoder(this.o.provider.chat.framing);
    const { attempt } = this.o;
    return new Promise((resolve) => {
      let ended = false;
      // The silences between pieces are the provider's time; handling a piece is ours.
      let waiting = false;
      const countProviderTime = (on: boolean): void => {
        if (on === waiting) return;
        waiting = on;
        if (on) attempt.startWaiting();
        else attempt.stopWaiting();
      };
      const end = (outcome: () => GatewayError | undefined): void => {
        if (ended) return;
        ended = true;
        countProviderTime(false);
        let failure: GatewayError | undefined;
        try {
          failure = outcome();
        } catch (err) {
          failure = this.failureOf(err);
        }
        // A stream that failed lets go of its connection now, not when the provider ends it.
        if (!body.readableEnded) body.destroy();
        resolve(this.finish(failure));
      };
      countProviderTime(true);
      body.on('data', (piece: Buffer) => {
        if (ended) return;
        countProviderTime(false);
        try {
          for (const event of decoder.push(piece)) this.emit(this.transformer.push(event));
        } catch (err) {
          return end(() => this.failureOf(err));
        }
        countProviderTime(true);
      });
      body.on('end', () =>
        end(() => {
          for (const event of decoder.end()) this.emit(this.transformer.push(event));
          this.emit(this.transformer.end());
          return this.transformer.completed() ? undefined : truncated(this.o.destination);
        }),
      );
      body.on('error', (err) => end(() => this.failureOf(err)));
      // Destroyed without an error (and without its end): the stream was cut.
      body.on('close', () => end(() => this.failureOf(new Error('the stream closed before its end'))));
    });
  }

  private emit(incoming: ChatChunk[]): void {
    const { trace, sink } = this.o.call;
    let chunks = incoming;
    if (!this.opened) {
      this.held.push(...incoming);
      if (!this.held.some(carriesAnswer)) return;
      chunks = this.held;
      this.held = [];
      this.opened = true;
      trace.ttftMs = performance.now() - trace.start.startedAt;
      trace.served = this.o.destination;
      sink.open(this.o.headers());
      // No other attempt can follow now: keep only what the end needs of the request.
      this.committed = CommittedRequest.of(this.o.call.request, this.o.call.endpoint.logPayloads);
      this.o.call.releaseRequest?.();
    }
    for (const chunk of chunks) {
      for (const choice of chunk.choices) trace.noteFinishReason(choice.finish_reason);
      const delta = chunk.choices[0]?.delta;
      this.produced += (delta?.content ?? '') + (delta?.tool_calls?.map((c) => c.function?.arguments ?? '').join('') ?? '');
      sink.chunk(chunk);
    }
  }

  private failureOf(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    const failure = classifyError(err, this.o.destination.timeoutMs);
    return this.opened ? failure.withMessage(`the connection to ${this.o.destination.provider} broke mid-stream: ${failure.message}`) : failure;
  }

  /** The one place the attempt ends: usage, trace, and what the client gets. */
  private async finish(failure?: GatewayError): Promise<AttemptOutcome> {
    const { call, destination, ctx } = this.o;
    const { trace, sink, signal } = call;
    if (signal.aborted) {
      trace.setUsage(destination, this.usage());
      return { answered: true, status: 499, error: new GatewayError('the client went away mid-stream', 499, 'client_closed_request', null, 200) };
    }
    if (failure && !this.opened) return { answered: false, failure };
    const usage = this.usage();
    trace.setUsage(destination, usage);
    if (failure) {
      const told = failure.withMessage(call.redact(failure.message));
      sink.streamError(told.body(trace.attemptsSoFar(1)));
      return { answered: true, status: told.status, error: told };
    }
    if (this.committed) {
      if (this.committed.captured !== undefined) trace.captureSerialized(this.committed.captured, this.produced, call.redact);
    } else trace.capturePayloads(call.endpoint.logPayloads, call.request, this.produced, call.redact);
    if (!this.opened) {
      trace.served = destination;
      sink.open(this.o.headers()); // an empty answer is still a stream
      for (const chunk of this.held) sink.chunk(chunk);
    }
    // The cost is known only now, after the headers went out: the sink may tell it at the end.
    await sink.close(usage, { id: ctx.id, created: ctx.created, model: destination.model, costUsd: trace.costUsd });
    return { answered: true, status: 200 };
  }

  private usage() {
    const reported = this.transformer.usage();
    if (reported) return reported;
    return this.committed ? usageFor(this.committed.promptTokens(), this.produced) : estimateUsage(this.o.call.request, this.produced);
  }
}

function carriesAnswer(chunk: ChatChunk): boolean {
  return chunk.choices.some((c) => c.finish_reason !== null || !!c.delta.content || !!c.delta.tool_calls?.length || !!c.delta.refusal);
}

function truncated(destination: Destination): GatewayError {
  const message = `${destination.provider} ended the stream before the answer was complete`;
  return new GatewayError(message, 502, 'upstream_error', 'stream_truncated', 200, undefined, null, 'connection');
}
