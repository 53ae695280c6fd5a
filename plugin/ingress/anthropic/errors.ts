// Errors in Anthropic's shape: {"type":"error","error":{"type","message"}}.
// https://platform.claude.com/docs/en/api/errors
import type { ErrorBody } from '../../openai/types';
import type { AnthropicErrorBody } from './types';

/** A client request the gateway refuses; `param` is the field at fault (`messages[1].content[0].type`). */
export class AnthropicRequestError extends Error {
  readonly status = 400;
  readonly type = 'invalid_request_error';
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(param ? `${param}: ${message}` : message);
    this.name = 'AnthropicRequestError';
  }
}

/** The gateway got an answer it cannot express in Anthropic's format. */
export class AnthropicResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnthropicResponseError';
  }
}

// The gateway's own (OpenAI-ish) error types, as produced by
// plugin/providers/shared/errors.ts and the data server.
const TYPE_MAP: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  invalid_api_key: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_exceeded: 'rate_limit_error',
  rate_limit_error: 'rate_limit_error',
  service_unavailable: 'overloaded_error',
  overloaded_error: 'overloaded_error',
  timeout_error: 'timeout_error',
  request_too_large: 'request_too_large',
};

const STATUS_MAP: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/**
 * Anthropic's error type for a gateway failure. The HTTP status decides when
 * there is one (that is what Anthropic SDKs key their exception classes on);
 * in a stream there is none and the gateway's type decides. Anything else is
 * `api_error` for 5xx and `invalid_request_error` for 4xx.
 */
export function anthropicErrorType(status: number | null, gatewayType: string): string {
  if (status !== null) {
    const byStatus = STATUS_MAP[status];
    if (byStatus) return byStatus;
    if (status >= 500) return 'api_error';
    if (status >= 400) return TYPE_MAP[gatewayType] ?? 'invalid_request_error';
  }
  return TYPE_MAP[gatewayType] ?? 'api_error';
}

export function anthropicErrorBody(type: string, message: string, requestId?: string): AnthropicErrorBody {
  return requestId ? { type: 'error', error: { type, message }, request_id: requestId } : { type: 'error', error: { type, message } };
}

/** The gateway's OpenAI error body re-shaped for an Anthropic client. */
export function fromOpenAiError(status: number | null, body: ErrorBody, requestId?: string): AnthropicErrorBody {
  return anthropicErrorBody(anthropicErrorType(status, body.error.type), body.error.message, requestId);
}
