// The Responses API as a sink: the pipeline's completion (or chunks) go out
// as a Response object (or its event stream). A stored response is written
// before its last byte leaves, so a client continuing the conversation at
// once finds it on whichever Kong node its next request lands. What the
// answer's end needs of the request (the Response's echo of it, and the
// conversation so far when it is stored) is packed once the stream commits,
// when the pipeline lets go of the request itself: an agent's turn is tens
// of KiB of heap, held for as long as its stream runs.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { log } from '../../log';
import { PackedJson } from '../../packed-json';
import type { AssistantMessage, ChatMessage } from '../../openai/types';
import type { ChatSink, IngressContext } from '../contract';
import { sendJson } from '../send-json';
import { baseResponse, finishResponse, outputItemsOf } from './response-object';
import { responseKey, toHistoryMessage, type ResponsesCall, type StoredResponse } from './stored-response';
import { ResponsesStreamTranslator, serializeResponsesEvent } from './stream-events';
import type { ResponseObject, ResponsesEvent } from './types';
import { endAnswer } from '../answer-end';

export interface ResponsesSinkOptions {
  /** Item ids (`msg_…`, `fc_…`, `rs_…`); random by default. */
  newId?: (prefix: string) => string;
  now?: () => number;
  retentionMs: number;
}

/** What the answer's end needs of the request. */
interface Echo {
  /** The Response as it starts, echoing the request (tools, instructions, metadata...). */
  base: ResponseObject;
  /** The conversation before this answer, without instructions; absent when the response is not stored. */
  history?: ChatMessage[];
}

export function responsesSink(res: ServerResponse, call: ResponsesCall, context: IngressContext, options: ResponsesSinkOptions): ChatSink {
  const newId = options.newId ?? ((prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`);
  const now = options.now ?? Date.now;
  const echo = new PackedJson<Echo>({
    base: baseResponse(call.responses, responseIdOf(context.requestId), Math.floor(now() / 1000)),
    history: call.responses.store === false ? undefined : call.chat.messages.slice(call.responses.instructions ? 1 : 0),
  });
  const stream = new ResponsesStreamTranslator(newId);
  const write = (events: ResponsesEvent[]) => {
    for (const event of events) res.write(serializeResponsesEvent(event));
  };

  const remember = async (history: ChatMessage[] | undefined, response: ResponseObject, answer: AssistantMessage): Promise<void> => {
    if (!history) return;
    const stored: StoredResponse = { response, messages: [...history, toHistoryMessage(answer)] };
    try {
      await context.conversations.put(responseKey(response.id), {
        value: stored,
        endpoint: context.endpoint.name,
        user: context.user,
        expiresAt: now() + options.retentionMs,
      });
    } catch (err) {
      // The answer still goes out; a continuation from another node may not find it.
      log.warn('responses: could not store the response', { id: response.id, error: (err as Error).message });
    }
  };

  return {
    async completion(completion, headers) {
      const { base, history } = echo.read();
      const choice = completion.choices[0];
      const message: AssistantMessage = choice?.message ?? { role: 'assistant', content: null };
      const status = choice?.finish_reason === 'length' ? 'incomplete' : 'completed';
      const response = finishResponse(base, outputItemsOf(message, newId, status), choice?.finish_reason ?? null, completion.usage);
      await remember(history, response, message);
      sendJson(res, 200, response, headers);
    },
    open(headers) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      res.flushHeaders();
      write(stream.start(echo.read().base));
      echo.pack();
    },
    chunk(chunk) {
      write(stream.push(chunk));
    },
    async close(usage) {
      const { base, history } = echo.read();
      const finished = stream.finish(base, usage);
      await remember(history, finished.response, finished.message);
      write(finished.events);
      endAnswer(res);
    },
    streamError(error) {
      write(stream.fail(echo.read().base, error.error.code ?? error.error.type, error.error.message));
      endAnswer(res);
    },
    error(status, error, headers) {
      sendJson(res, status, error, headers);
    },
  };
}

/** The response id for a request: the trace id, so a response and its trace name each other. */
export function responseIdOf(requestId: string): string {
  return `resp_${requestId.replace(/-/g, '')}`;
}
