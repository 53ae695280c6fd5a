// The Responses API as a sink: the pipeline's completion (or chunks) go out
// as a Response object (or its event stream). A stored response is written
// before its last byte leaves, so a client continuing the conversation at
// once finds it on whichever Kong node its next request lands.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { log } from '../../log';
import type { AssistantMessage, ChatMessage } from '../../openai/types';
import type { ChatSink, IngressContext } from '../contract';
import { sendJson } from '../send-json';
import { baseResponse, finishResponse, outputItemsOf } from './response-object';
import { responseKey, toHistoryMessage, type ResponsesCall, type StoredResponse } from './stored-response';
import { ResponsesStreamTranslator, serializeResponsesEvent } from './stream-events';
import type { ResponseObject, ResponsesEvent } from './types';

export interface ResponsesSinkOptions {
  /** Item ids (`msg_…`, `fc_…`, `rs_…`); random by default. */
  newId?: (prefix: string) => string;
  now?: () => number;
  retentionMs: number;
}

export function responsesSink(res: ServerResponse, call: ResponsesCall, context: IngressContext, options: ResponsesSinkOptions): ChatSink {
  const newId = options.newId ?? ((prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`);
  const now = options.now ?? Date.now;
  const base = baseResponse(call.responses, responseIdOf(context.requestId), Math.floor(now() / 1000));
  const stream = new ResponsesStreamTranslator(base, newId);
  const write = (events: ResponsesEvent[]) => {
    for (const event of events) res.write(serializeResponsesEvent(event));
  };

  const remember = async (response: ResponseObject, answer: AssistantMessage): Promise<void> => {
    if (call.responses.store === false) return;
    const instructions = call.responses.instructions ? 1 : 0;
    const messages: ChatMessage[] = [...call.chat.messages.slice(instructions), toHistoryMessage(answer)];
    const stored: StoredResponse = { response, messages };
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
      const choice = completion.choices[0];
      const message: AssistantMessage = choice?.message ?? { role: 'assistant', content: null };
      const status = choice?.finish_reason === 'length' ? 'incomplete' : 'completed';
      const response = finishResponse(base, outputItemsOf(message, newId, status), choice?.finish_reason ?? null, completion.usage);
      await remember(response, message);
      sendJson(res, 200, response, headers);
    },
    open(headers) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      res.flushHeaders();
      write(stream.start());
    },
    chunk(chunk) {
      write(stream.push(chunk));
    },
    async close(usage) {
      const finished = stream.finish(usage);
      await remember(finished.response, finished.message);
      write(finished.events);
      res.end();
    },
    streamError(error) {
      write(stream.fail(error.error.code ?? error.error.type, error.error.message));
      res.end();
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
