// The Anthropic Messages API as a sink: the pipeline's OpenAI completions and
// chunks go out as an Anthropic Message (JSON) or Anthropic's SSE events.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChatSink } from '../contract';
import { sendJson } from '../send-json';
import type { ErrorBody } from '../../openai/types';
import { AnthropicResponseError, anthropicErrorBody, anthropicErrorType, fromOpenAiError } from './errors';
import { toAnthropicMessage } from './from-openai-response';
import { AnthropicStreamTranslator, serializeEvent } from './stream';
import type { AnthropicStreamEvent } from './types';
import { endAnswer } from '../answer-end';

export interface AnthropicSinkOptions {
  /** Id for a streamed tool call that arrives without one; random by default. */
  newToolId?: () => string;
}

/** `request` is the client's request (its `model`, the endpoint name, is reported when a chunk names none). */
export function anthropicSink(res: ServerResponse, request: { model: string }, options: AnthropicSinkOptions = {}): ChatSink {
  const stream = new AnthropicStreamTranslator({
    model: request.model,
    newToolId: options.newToolId ?? (() => `toolu_${randomBytes(12).toString('base64url')}`),
  });
  const write = (events: AnthropicStreamEvent[]): void => {
    for (const event of events) res.write(serializeEvent(event));
  };
  return {
    completion(completion, headers) {
      let message;
      try {
        message = toAnthropicMessage(completion);
      } catch (err) {
        if (!(err instanceof AnthropicResponseError)) throw err;
        const requestId = headers['x-request-id'];
        sendJson(res, 502, anthropicErrorBody('api_error', err.message, requestId), withRequestId(headers));
        return;
      }
      sendJson(res, 200, message, withRequestId(headers));
    },
    open(headers) {
      res.writeHead(200, {
        ...withRequestId(headers),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
    },
    chunk(chunk) {
      write(stream.push(chunk));
    },
    close(usage, last) {
      write(stream.finish(usage, last));
      endAnswer(res);
    },
    streamError(error) {
      write(stream.fail({ type: anthropicErrorType(null, error.error.type), message: error.error.message }));
      endAnswer(res);
    },
    error(status, error, headers) {
      sendAnthropicError(res, status, error, headers);
    },
  };
}

/**
 * Any gateway error (OpenAI's shape, as errorBody() builds it) sent in
 * Anthropic's shape with the same HTTP status: for failures before a sink
 * exists (invalid JSON, validation, unknown endpoint).
 */
export function sendAnthropicError(res: ServerResponse, status: number, error: ErrorBody, headers: Record<string, string> = {}): void {
  sendJson(res, status, fromOpenAiError(status, error, headers['x-request-id']), withRequestId(headers));
}

/** Anthropic SDKs read the request id from `request-id` (exposed as `_request_id`). */
function withRequestId(headers: Record<string, string>): Record<string, string> {
  const id = headers['x-request-id'];
  return id && !headers['request-id'] ? { ...headers, 'request-id': id } : headers;
}
