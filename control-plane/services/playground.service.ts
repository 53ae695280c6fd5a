// The console's playground: one chat request sent to the gateway on behalf of
// an admin. The browser cannot call the gateway itself (another origin, and
// the console's CSP allows connect-src 'self' only), so the control plane
// forwards it and streams the answer back unchanged.
import { ApiError } from '../errors';

export interface PlaygroundChat {
  endpoint: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  maxTokens?: number;
  temperature?: number;
}

/** Gateway response headers the console shows; x-request-id (the trace id) is renamed so it does not clash with ours. */
const FORWARDED_HEADERS = [
  'x-gateway-endpoint',
  'x-gateway-provider',
  'x-gateway-model',
  'x-gateway-attempts',
  'x-gateway-overhead-ms',
  'retry-after',
  'x-budget-remaining',
  'x-budget-reset',
  'x-budget-policy',
  'x-budget-max-tokens',
];

export function gatewayHeaders(upstream: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = upstream.get(name);
    if (value !== null) out[name] = value;
  }
  const traceId = upstream.get('x-request-id');
  if (traceId !== null) out['x-gateway-trace-id'] = traceId;
  return out;
}

/** Sends the chat as a streamed OpenAI Chat Completions request; the trace's user is the admin's JWT subject. */
export async function sendPlaygroundChat(gatewayUrl: string, chat: PlaygroundChat, user: string, signal: AbortSignal): Promise<Response> {
  const body = {
    model: chat.endpoint,
    messages: chat.messages,
    stream: true,
    stream_options: { include_usage: true },
    user,
    ...(chat.maxTokens !== undefined ? { max_tokens: chat.maxTokens } : {}),
    ...(chat.temperature !== undefined ? { temperature: chat.temperature } : {}),
  };
  try {
    return await fetch(`${gatewayUrl}/gateway/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new ApiError(502, 'gateway_unreachable', `the gateway at ${gatewayUrl} did not answer (${cause}); check PLAYGROUND_GATEWAY_URL`);
  }
}

/**
 * The gateway's OpenAI-shaped error as the control plane's error. A 401/403
 * from the gateway (an auth plugin on its route) becomes a 502: the console
 * reads 401 as "your token is no longer valid".
 */
export function gatewayError(status: number, text: string): ApiError {
  let error: { message?: unknown; type?: unknown; code?: unknown; param?: unknown } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // Not JSON (a proxy's HTML page): the status says enough.
  }
  const message = typeof error.message === 'string' ? error.message : `the gateway answered ${status}`;
  const code = typeof error.code === 'string' && /^[a-z][a-z0-9_]*$/.test(error.code) ? error.code : 'gateway_error';
  const detail = {
    message,
    ...(typeof error.type === 'string' ? { type: error.type } : {}),
    ...(typeof error.param === 'string' ? { param: error.param } : {}),
  };
  if (status === 401 || status === 403) {
    return new ApiError(502, 'gateway_refused', `the gateway refused the playground's request (${status}: ${message}); its route may need credentials`, [
      detail,
    ]);
  }
  return new ApiError(status >= 400 && status <= 599 ? status : 502, code, message, [detail]);
}
