// The OpenAI chunks of one streamed choice, for providers whose stream is
// translated event by event: the first chunk carries role "assistant", as
// OpenAI's first chunk does.
import type { ChatChunk, ChunkDelta, FinishReason } from '../../openai/types';
import type { ResponseContext } from '../contract';

export interface StreamChunkBuilder {
  (delta: ChunkDelta, finish?: FinishReason | null): ChatChunk;
  /** Whether a chunk went out already. */
  readonly started: boolean;
}

/** `model()` names the model of every chunk (a provider may report it mid-stream). */
export function createStreamChunkBuilder(ctx: ResponseContext, model: () => string = () => ctx.model): StreamChunkBuilder {
  let started = false;
  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk => {
    const withRole: ChunkDelta = started ? delta : { role: 'assistant', ...delta };
    started = true;
    return {
      id: ctx.id,
      object: 'chat.completion.chunk',
      created: ctx.created,
      model: model(),
      choices: [{ index: 0, delta: withRole, finish_reason: finish, logprobs: null }],
    };
  };
  return Object.defineProperty(chunk, 'started', { get: () => started }) as StreamChunkBuilder;
}
