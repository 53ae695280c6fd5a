// Keeps a copy of the answer the client gets, to compare a shadow call's
// with: the whole completion, or the streamed chunks put back together. It
// only watches: every call goes on to the client's sink unchanged.
import type { ChatSink } from '../ingress/contract';
import { AssistantMessageAssembler } from '../openai/assemble-assistant-message';
import type { ChatChunk, ChatCompletion, ErrorBody, Usage } from '../openai/types';
import { answerOf, type Answer } from './compare-answers';

export class AnswerRecorder {
  private completion?: ChatCompletion;
  private assembler?: AssistantMessageAssembler;
  private streamClosed = false;

  /** The client's sink, watched. */
  watch(sink: ChatSink): ChatSink {
    return {
      error: (status: number, error: ErrorBody, headers: Record<string, string>) => sink.error(status, error, headers),
      completion: (completion: ChatCompletion, headers: Record<string, string>) => {
        this.completion = completion;
        return sink.completion(completion, headers);
      },
      open: (headers: Record<string, string>) => {
        this.assembler = new AssistantMessageAssembler();
        sink.open(headers);
      },
      chunk: (chunk: ChatChunk) => {
        this.assembler?.push(chunk);
        sink.chunk(chunk);
      },
      close: (usage: Usage, last: { id: string; created: number; model: string }) => {
        this.streamClosed = true;
        return sink.close(usage, last);
      },
      streamError: (error: ErrorBody) => sink.streamError(error),
    };
  }

  /** The answer the client received whole, or undefined (none, or a stream that broke). */
  answer(): Answer | undefined {
    if (this.completion) return answerOf(this.completion.choices[0]?.message, this.completion.choices[0]?.finish_reason ?? null);
    if (this.assembler && this.streamClosed) return answerOf(this.assembler.message(), this.assembler.finishReason);
    return undefined;
  }
}
