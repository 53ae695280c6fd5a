// The OpenAI chat API as a sink: JSON for completions, SSE for streams.
import type { ServerResponse } from 'node:http';
import type { ChatRequest } from '../../openai/types';
import { SSE_DONE, sseChunk, sseError } from '../../providers/shared/serialize-sse';
import type { ChatSink } from '../contract';
import { sendJson } from '../send-json';
import { endAnswer } from '../answer-end';

export function openAiSink(res: ServerResponse, request: Pick<ChatRequest, 'stream_options'>): ChatSink {
  const wantsUsage = request.stream_options?.include_usage === true;
  return {
    completion(completion, headers) {
      sendJson(res, 200, completion, headers);
    },
    open(headers) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      res.flushHeaders();
    },
    chunk(chunk) {
      res.write(sseChunk(chunk));
    },
    close(usage, last) {
      if (wantsUsage) {
        res.write(sseChunk({ id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage }));
      }
      // The cost, known only now: an SSE comment, which every SSE client skips and a raw reader can see.
      if (last.costUsd !== undefined) res.write(`: x-gateway-cost-usd ${last.costUsd.toFixed(8)}\n\n`);
      endAnswer(res, SSE_DONE);
    },
    streamError(error) {
      res.write(sseError(error));
      endAnswer(res, SSE_DONE);
    },
    error(status, error, headers) {
      sendJson(res, status, error, headers);
    },
  };
}
