// Routes a ticketed request to its handler and leaves exactly one trace.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint, EndpointKind } from '../contract';
import { runChat } from '../gateway/chat';
import { runEmbeddings } from '../gateway/embeddings';
import { errorBody, sendJson } from '../gateway/respond';
import { TraceRecorder } from '../gateway/trace';
import type { ErrorBody } from '../openai/types';
import { validateEmbeddings } from '../openai/validate';
import type { RuntimeCore } from './data-server';
import { anthropicIngress, openAiIngress, sendOpenAiError, type ChatIngress } from './ingress';
import { readJsonBody } from './read-body';
import type { TicketClaims } from './tickets';

type Route = { route: 'chat'; ingress: ChatIngress } | { route: 'embeddings' } | { route: 'models'; id?: string };

// Kong may or may not strip the route prefix; match on the API's own suffix.
function routeOf(method: string | undefined, path: string): Route | undefined {
  if (method === 'POST' && path.endsWith('/chat/completions')) return { route: 'chat', ingress: openAiIngress };
  if (method === 'POST' && path.endsWith('/messages')) return { route: 'chat', ingress: anthropicIngress };
  if (method === 'POST' && path.endsWith('/embeddings')) return { route: 'embeddings' };
  if (method === 'GET' && path.endsWith('/models')) return { route: 'models' };
  const m = method === 'GET' ? /\/models\/([^/]+)$/.exec(path) : null;
  return m ? { route: 'models', id: decodeURIComponent(m[1]) } : undefined;
}

export async function handleGatewayRequest(rt: RuntimeCore, req: IncomingMessage, res: ServerResponse, claims: TicketClaims): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const route = routeOf(req.method, path);
  if (!route) {
    req.resume();
    sendOpenAiError(res, 404, `Unknown API path: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url');
    return;
  }
  if (route.route === 'models') {
    req.resume();
    await listModels(rt, res, route.id);
    return;
  }

  const kind: EndpointKind = route.route === 'chat' ? 'chat' : 'embeddings';
  const ingress = route.route === 'chat' ? route.ingress : openAiIngress;
  const body = await readJsonBody(req, rt.maxBodyBytes);
  const raw = (body.ok && typeof body.value === 'object' && body.value !== null ? body.value : {}) as Record<string, unknown>;
  const requested = typeof raw.model === 'string' ? raw.model : '-';
  const trace = new TraceRecorder({
    id: randomUUID(),
    endpoint: requested,
    kind,
    user: claims.consumer ?? userOf(raw) ?? 'anonymous',
    ingress: ingress.name,
    stream: raw.stream === true,
    startedAt: claims.startedAt,
    clientTraceparent: headerOf(req, 'traceparent'),
  });
  const reject = (status: number, error: ErrorBody, headers: Record<string, string> = {}): void => {
    ingress.sendError(res, status, error, { ...headers, 'x-request-id': trace.start.id });
    rt.shipper.enqueue(trace.finish(performance.now(), status, error.error.code ?? error.error.type));
  };

  if (!body.ok) return reject(body.status, errorBody(body.message, 'invalid_request_error', body.status === 413 ? 'request_too_large' : 'invalid_json'));
  const chat = route.route === 'chat' ? route.ingress.parse(body.value) : undefined;
  const embeddings = route.route === 'embeddings' ? validateEmbeddings(body.value) : undefined;
  if (chat && !chat.ok) return reject(400, errorBody(chat.message, 'invalid_request_error', 'invalid_request', chat.param));
  if (embeddings && !embeddings.ok) return reject(400, errorBody(embeddings.error.message, 'invalid_request_error', 'invalid_request', embeddings.error.param));

  const snapshot = await rt.config.ready(2_000);
  if (!snapshot)
    return reject(503, errorBody('The gateway has no configuration yet: the control plane has not been reached.', 'service_unavailable', 'config_unavailable'));
  const endpoint = snapshot.endpoints.get(requested);
  if (!endpoint) return reject(404, modelNotFound(requested));
  if (endpoint.kind !== kind) {
    return reject(400, errorBody(`Endpoint '${endpoint.name}' serves ${endpoint.kind}, not ${kind}.`, 'invalid_request_error', 'wrong_endpoint_kind', 'model'));
  }

  // Reasoning state the client dropped, back on the current turn (plugin/conversation-state).
  const chatRequest = chat?.ok ? await rt.conversationState.restore(endpoint, chat.value, trace.start.user) : undefined;

  // Budgets and rate limits: admit before the provider call, settle after it (whatever happened).
  const admitted = await rt.budget.admit({
    endpoint,
    policies: snapshot.snapshot.budgets,
    user: trace.start.user,
    ...(chatRequest ? { chat: chatRequest } : {}),
    ...(embeddings?.ok ? { embeddings: embeddings.value } : {}),
  });
  if (!admitted.ok) return reject(admitted.refusal.status, admitted.refusal.error, admitted.refusal.headers);
  const settle = () => (trace.budget = rt.budget.settle(admitted.admission, { usage: trace.usage, costUsd: trace.costUsd, served: trace.served }));

  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const common = { endpoint, stickyKey: stickyKey(endpoint, req, trace.start.user), health: rt.health, trace, signal: abort.signal };
  let result;
  try {
    result = chatRequest
      ? await runChat({ ...common, request: chatRequest, sink: rt.conversationState.capture(endpoint, ingress.sink(res, chatRequest), trace.start.user) })
      : embeddings?.ok
        ? await runEmbeddings({ ...common, request: embeddings.value, res })
        : undefined;
  } finally {
    settle();
  }
  if (result) rt.shipper.enqueue(trace.finish(performance.now(), result.status, result.errorCode));
}

/** OpenAI's `user`, or Anthropic's `metadata.user_id`. */
function userOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.user === 'string' && body.user) return body.user;
  const metadata = body.metadata as { user_id?: unknown } | undefined;
  return typeof metadata?.user_id === 'string' && metadata.user_id ? metadata.user_id : undefined;
}

function stickyKey(endpoint: Endpoint, req: IncomingMessage, user: string): string | undefined {
  const s = endpoint.stickiness;
  if (!s) return undefined;
  if (s.by === 'user') return user === 'anonymous' ? undefined : user;
  return s.header ? headerOf(req, s.header.toLowerCase()) : undefined;
}

function modelNotFound(name: string): ErrorBody {
  return errorBody(`The model '${name}' does not exist: no gateway endpoint has that name.`, 'invalid_request_error', 'model_not_found', 'model');
}

async function listModels(rt: RuntimeCore, res: ServerResponse, id: string | undefined): Promise<void> {
  const snapshot = await rt.config.ready(2_000);
  if (!snapshot) {
    sendOpenAiError(res, 503, 'The gateway has no configuration yet: the control plane has not been reached.', 'service_unavailable', 'config_unavailable');
    return;
  }
  const model = (e: Endpoint) => ({ id: e.name, object: 'model', created: 0, owned_by: 'llm-gateway', kind: e.kind });
  if (id === undefined) {
    sendJson(res, 200, { object: 'list', data: [...snapshot.endpoints.values()].map(model) });
    return;
  }
  const endpoint = snapshot.endpoints.get(id);
  if (endpoint) sendJson(res, 200, model(endpoint));
  else sendJson(res, 404, modelNotFound(id));
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
