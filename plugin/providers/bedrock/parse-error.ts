// Bedrock errors: the type is in the `x-amzn-ErrorType` header
// ("ThrottlingException:http://internal.amazon.com/coral/...") and/or the
// body's `__type`; the body carries `message` (or `Message`). Inside a
// ConverseStream an exception is an event with `:message-type: exception`
// and `:exception-type: throttlingException` (camel case).
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
import { GatewayError } from '../contract';
import { header, isRecord, mapUpstreamError, tryParseJson } from '../shared/errors';

/**
 * Exception name → the status the shared mapping should treat it as. Bedrock
 * uses statuses that would otherwise mislead: ModelNotReady is a 429 that
 * means "warming up", ServiceQuotaExceeded is a 400 that means "too much
 * traffic", ModelTimeout is a 408.
 */
const STATUS_BY_EXCEPTION: Record<string, number> = {
  throttlingexception: 429,
  servicequotaexceededexception: 429,
  validationexception: 400,
  accessdeniedexception: 403,
  unrecognizedclientexception: 401,
  invalidsignatureexception: 403,
  expiredtokenexception: 403,
  resourcenotfoundexception: 404,
  modeltimeoutexception: 408,
  modelnotreadyexception: 503,
  serviceunavailableexception: 503,
  internalserverexception: 500,
  modelerrorexception: 502,
  modelstreamerrorexception: 502,
};

/** "ThrottlingException:http://internal..." or "com.amazon.coral#ThrottlingException" → "ThrottlingException". */
export function exceptionName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const name = raw.split(':')[0]!.split('#').pop()!.trim();
  return name === '' ? undefined : name;
}

function toProviderError(httpStatus: number, name: string | undefined, message: string | undefined, headers: Record<string, string>): GatewayError {
  const effective = (name && STATUS_BY_EXCEPTION[name.toLowerCase()]) || httpStatus;
  const mapped = mapUpstreamError({
    provider: 'Bedrock',
    status: effective,
    message: message && name ? `${name}: ${message}` : (message ?? name),
    nativeType: name ?? null,
    headers,
  });
  if (mapped.upstreamStatus === httpStatus) return mapped;
  return new GatewayError(mapped.message, mapped.status, mapped.type, mapped.code, httpStatus, mapped.retryAfterMs, mapped.param);
}

export function parseBedrockError(status: number, body: string, headers: Record<string, string>): GatewayError {
  const parsed = tryParseJson(body);
  const record = isRecord(parsed) ? parsed : {};
  const name = exceptionName(header(headers, 'x-amzn-errortype')) ?? exceptionName(typeof record.__type === 'string' ? record.__type : undefined);
  const message =
    typeof record.message === 'string' ? record.message : typeof record.Message === 'string' ? record.Message : body.trim().slice(0, 500) || undefined;
  return toProviderError(status, name, message, headers);
}

/** An exception event inside ConverseStream. */
export function bedrockStreamException(exceptionType: string | undefined, payload: string): GatewayError {
  const parsed = tryParseJson(payload);
  const message = isRecord(parsed) && typeof parsed.message === 'string' ? parsed.message : payload.slice(0, 500) || undefined;
  const name = exceptionType ? exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1) : 'InternalServerException';
  return toProviderError(STATUS_BY_EXCEPTION[name.toLowerCase()] ?? 500, name, message, {});
}
