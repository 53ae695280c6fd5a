// Routes a ticketed request to its handler and leaves exactly one trace.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint, EndpointKind } from '../contract';
import { runChat } from '../gateway/chat';
import { runEmbeddings } from '../gateway/embeddings';
import { openAiSink } from '../gateway/openai-sink';
import { errorBody, sendJson } from '../gateway/respond';
import { TraceRecorder } from '../gateway/trace';
import { validateChat, validateEmbeddings } from '../openai/validate';
import type { RuntimeCore } from './data-server';
import { readJsonBody } from './read-body';
import type { TicketClaims } from './tickets';

type Route = 'chat' | 'embeddings' | 'models' | 'model';

// Kong may or may not strip the route prefix; match on the API's own suffix.
function routeOf(method: string | undefined, path: string): { route: Route; id?: string } | undefined {
  if (method === 'POST' && path.endsWith('/chat/completions')) return { route: 'chat' };
  if (method === 'POST' && path.endsWith('/embeddings')) return { route: 'embeddings' };
  if (method === 'GET' && path.endsWith('/models')) return { route: 'models' };
  const m = method === 'GET' ? /\/models\/([^/]+)$/.exec(path) : null;
  return m ? { route: 'model', id: decodeURIComponent(m[1]) } : undefined;
}

export async function handleGatewayRequest(rt: RuntimeCore, req: IncomingMessage, res: ServerResponse, claims: TicketClaims): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const matched = routeOf(req.method, path);
  if (!matched) {
    req.resume();
    sendJson(res, 404, errorBody(`Unknown API path: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'));
    return;
  }
  if (matched.route === 'models' || matched.route === 'model') {
    req.resume();
    await listModels(rt, res, matched.id);
    return;
  }

  const kind: EndpointKind = matched.route === 'chat' ? 'chat' : 'embeddings';
  const traceId = randomUUID();
  const body = await readJsonBody(req, rt.maxBodyBytes);
  const requested = body.ok && typeof (body.value as { model?: unknown })?.model === 'string' ? (body.value as { model: string }).model : '-';
  const bodyUser = body.ok && typeof (body.value as { user?: unknown })?.user === 'string' ? (body.value as { user: string }).user : undefined;
  const trace = new TraceRecorder({
    id: traceId,
    endpoint: requested,
    kind,
    user: claims.consumer ?? bodyUser ?? 'anonymous',
    ingress: 'openai',
    stream: body.ok && (body.value as { stream?: unknown }).stream === true,
    startedAt: claims.startedAt,
    clientTraceparent: headerOf(req, 'traceparent'),
  });
  const reject = (status: number, message: string, type: string, code: string, param: string | null = null): void => {
    sendJson(res, status, errorBody(message, type, code, param), { 'x-request-id': traceId });
    rt.shipper.enqueue(trace.finish(performance.now(), status, code));
  };

  if (!body.ok) return reject(body.status, body.message, 'invalid_request_error', body.status === 413 ? 'request_too_large' : 'invalid_json');
  const chat = kind === 'chat' ? validateChat(body.value) : undefined;
  const embeddings = kind === 'embeddings' ? validateEmbeddings(body.value) : undefined;
  const invalid = (chat && !chat.ok && chat.error) || (embeddings && !embeddings.ok && embeddings.error);
  if (invalid) return reject(400, invalid.message, 'invalid_request_error', 'invalid_request', invalid.param);

  const snapshot = await rt.config.ready(2_000);
  if (!snapshot) return reject(503, 'The gateway has no configuration yet: the control plane has not been reached.', 'service_unavailable', 'config_unavailable');
  const endpoint = snapshot.endpoints.get(requested);
  if (!endpoint) return reject(404, `The model '${requested}' does not exist: no gateway endpoint has that name.`, 'invalid_request_error', 'model_not_found', 'model');
  if (endpoint.kind !== kind) {
    return reject(400, `Endpoint '${endpoint.name}' serves ${endpoint.kind}, not ${kind}.`, 'invalid_request_error', 'wrong_endpoint_kind', 'model');
  }

  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const common = { endpoint, stickyKey: stickyKey(endpoint, req, trace.start.user), health: rt.health, trace, signal: abort.signal };
  const result = chat?.ok
    ? await runChat({ ...common, request: chat.value, sink: openAiSink(res, chat.value) })
    : embeddings?.ok
      ? await runEmbeddings({ ...common, request: embeddings.value, res })
      : undefined;
  if (result) rt.shipper.enqueue(trace.finish(performance.now(), result.status, result.errorCode));
}

function stickyKey(endpoint: Endpoint, req: IncomingMessage, user: string): string | undefined {
  const s = endpoint.stickiness;
  if (!s) return undefined;
  if (s.by === 'user') return user === 'anonymous' ? undefined : user;
  return s.header ? headerOf(req, s.header.toLowerCase()) : undefined;
}

async function listModels(rt: RuntimeCore, res: ServerResponse, id: string | undefined): Promise<void> {
  const snapshot = await rt.config.ready(2_000);
  if (!snapshot) {
    sendJson(res, 503, errorBody('The gateway has no configuration yet: the control plane has not been reached.', 'service_unavailable', 'config_unavailable'));
    return;
  }
  const model = (e: Endpoint) => ({ id: e.name, object: 'model', created: 0, owned_by: 'llm-gateway', kind: e.kind });
  if (id === undefined) {
    sendJson(res, 200, { object: 'list', data: [...snapshot.endpoints.values()].map(model) });
    return;
  }
  const endpoint = snapshot.endpoints.get(id);
  if (endpoint) sendJson(res, 200, model(endpoint));
  else sendJson(res, 404, errorBody(`The model '${id}' does not exist: no gateway endpoint has that name.`, 'invalid_request_error', 'model_not_found', 'model'));
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
