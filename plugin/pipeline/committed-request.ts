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
import type { ChatRequest } from '../openai/types';
import { PackedJson } from '../packed-json';
import { countedPromptTokens, estimatePromptTokens } from '../tokens/count';
import { capPayload } from './trace-recorder';

export class CommittedRequest {
  private constructor(
    private readonly counted?: number,
    private readonly request?: PackedJson<ChatRequest>,
    /** The request as payload capture records it (capped); set only when the endpoint logs payloads. */
    readonly captured?: string,
  ) {}

  static of(request: ChatRequest, capture: boolean): CommittedRequest {
    const counted = countedPromptTokens(request);
    const json = capture || counted === undefined ? JSON.stringify(request) : '';
    const captured = capture ? capPayload(json) : undefined;
    if (counted !== undefined) return new CommittedRequest(counted, undefined, captured);
    const kept = new PackedJson(request);
    kept.pack(json);
    return new CommittedRequest(undefined, kept, captured);
  }

  /** The prompt's tokens, counted as estimateUsage counts them. */
  promptTokens(): number {
    return this.counted ?? estimatePromptTokens(this.request!.read());
  }
}
