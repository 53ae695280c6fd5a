// The OpenAI chat API as a sink: JSON for completions, SSE for streams.
import type { ServerResponse } from 'node:http';
import type { ChatChunk, ChatCompletion, ChatRequest, ErrorBody, Usage } from '../../openai/types';
import { SSE_DONE, sseChunk, sseError } from '../../providers/shared/serialize-sse';
import type { ChatSink } from '../contract';
import { sendJson } from '../send-json';
import { endAnswer } from '../answer-end';

export function openAiSink(res: ServerResponse, request: Pick<ChatRequest, 'stream_options'>): ChatSink {
  return new OpenAiSink(res, request.stream_options?.include_usage === true);
}

/** A class, not an object of closures: one small object for each open stream. */
class OpenAiSink implements ChatSink {
  constructor(
    private readonly res: ServerResponse,
    private readonly wantsUsage: boolean,
  ) {}

  completion(completion: ChatCompletion, headers: Record<string, string>): void {
    sendJson(this.res, 200, completion, headers);
  }

  open(headers: Record<string, string>): void {
    this.res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    this.res.flushHeaders();
  }

  chunk(chunk: ChatChunk): void {
    this.res.write(sseChunk(chunk));
  }

  close(usage: Usage, last: Parameters<ChatSink['close']>[1]): void {
    const { res } = this;
    if (this.wantsUsage) {
      res.write(sseChunk({ id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage }));
    }
    // The cost, known only now: an SSE comment, which every SSE client skips and a raw reader can see.
    if (last.costUsd !== undefined) res.write(`: x-gateway-cost-usd ${last.costUsd.toFixed(8)}\n\n`);
    endAnswer(res, SSE_DONE);
  }

  streamError(error: ErrorBody): void {
    this.res.write(sseError(error));
    endAnswer(this.res, SSE_DONE);
  }

  error(status: number, error: ErrorBody, headers: Record<string, string>): void {
    sendJson(this.res, status, error, headers);
  }
}
