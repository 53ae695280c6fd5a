// What the end of a committed stream needs of its request, without the
// request. Once a stream commits (its first content went to the client) no
// other attempt can follow, and its end needs the request only for the usage
// estimate (when the provider reports no usage) and for payload capture. An
// agent's turn (tools, history) parses into tens of KiB of heap, held for as
// long as the stream runs (minutes); kept instead: the prompt's token count
// when it was counted already (budget admission), else the request itself
// when it is small, else its JSON compressed (read back only when the
// provider reports no usage); and the captured text when the endpoint logs
// payloads.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { ChatRequest } from '../openai/types';
import { countedPromptTokens, estimatePromptTokens } from '../tokens/count';
import { capPayload } from './trace-recorder';

/** Below this much JSON a request costs less kept as it is than compressing it costs (measured: ~0.2 ms for 22 KiB). */
const PACK_FROM_CHARS = 2048;

export class CommittedRequest {
  private constructor(
    private readonly counted?: number,
    private readonly kept?: ChatRequest,
    private readonly packed?: Buffer,
    /** The request as payload capture records it (capped); set only when the endpoint logs payloads. */
    readonly captured?: string,
  ) {}

  static of(request: ChatRequest, capture: boolean): CommittedRequest {
    const counted = countedPromptTokens(request);
    const json = capture || counted === undefined ? JSON.stringify(request) : '';
    const captured = capture ? capPayload(json) : undefined;
    if (counted !== undefined) return new CommittedRequest(counted, undefined, undefined, captured);
    if (json.length < PACK_FROM_CHARS) return new CommittedRequest(undefined, request, undefined, captured);
    return new CommittedRequest(undefined, undefined, deflateRawSync(json, { level: 1 }), captured);
  }

  /** The prompt's tokens, counted as estimateUsage counts them. */
  promptTokens(): number {
    if (this.counted !== undefined) return this.counted;
    if (this.kept) return estimatePromptTokens(this.kept);
    return estimatePromptTokens(JSON.parse(inflateRawSync(this.packed!).toString('utf8')) as ChatRequest);
  }
}
