// OpenAI-style error bodies -> GatewayError.
// https://platform.openai.com/docs/guides/error-codes
// {"error": {"message": "...", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}
// Azure: {"error": {"code": "DeploymentNotFound", "message": "..."}}; Mistral: {"object":"error","message":...};
// vLLM (FastAPI): {"detail": ...} or the OpenAI envelope.
import type { GatewayError } from '../contract';
import { asInStreamError, isRecord, mapUpstreamError, tryParseJson } from '../shared/errors';
import type { NativeError } from './types';

interface ErrorFields {
  message?: string;
  type?: string | null;
  code?: string | null;
  param?: string | null;
}

export function readErrorFields(body: unknown): ErrorFields {
  if (!isRecord(body)) return {};
  const b = body as NativeError;
  if (typeof b.error === 'string') return { message: b.error };
  if (isRecord(b.error)) {
    const e = b.error;
    return {
      message: typeof e.message === 'string' ? e.message : undefined,
      type: typeof e.type === 'string' ? e.type : null,
      code: e.code === null || e.code === undefined ? null : String(e.code),
      param: typeof e.param === 'string' ? e.param : null,
    };
  }
  if (typeof b.message === 'string') {
    return { message: b.message, type: typeof b.type === 'string' ? b.type : null, code: b.code == null ? null : String(b.code) };
  }
  if (b.detail !== undefined) return { message: typeof b.detail === 'string' ? b.detail : JSON.stringify(b.detail) };
  return {};
}

export function parseCompatibleError(provider: string, status: number, body: string, headers: Record<string, string>): GatewayError {
  const parsed = tryParseJson(body);
  const f = parsed === undefined ? { message: body.trim().slice(0, 500) || undefined } : readErrorFields(parsed);
  return mapUpstreamError({
    provider,
    status,
    message: f.message,
    nativeType: f.type ?? null,
    nativeCode: f.code ?? null,
    param: f.param ?? null,
    headers,
  });
}

/**
 * An `{error}` object inside a 200 stream. It has no HTTP status, so the
 * status is inferred from the error's type/code.
 */
export function streamErrorToProviderError(provider: string, error: unknown): GatewayError {
  const f = readErrorFields({ error });
  const kind = `${f.type ?? ''} ${f.code ?? ''}`;
  const status = /rate_limit/.test(kind) ? 429 : /overloaded|unavailable/.test(kind) ? 503 : /invalid_request/.test(kind) ? 400 : 500;
  return asInStreamError(
    mapUpstreamError({ provider, status, message: f.message ?? 'error in stream', nativeType: f.type ?? null, nativeCode: f.code ?? null }),
  );
}
