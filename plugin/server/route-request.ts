// Routes a ticketed request by its API path: a call into the pipeline
// (client API + kind of call), or the model list.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { anthropicMessagesIngress } from '../ingress/anthropic';
import type { Sink } from '../ingress/contract';
import { withReasoningState } from '../conversations/reasoning-state';
import { openAiChatIngress } from '../ingress/openai/chat';
import { openAiEmbeddingsIngress } from '../ingress/openai/embeddings';
import { responsesIngress } from '../ingress/responses/responses-ingress';
import { errorBody, sendJson } from '../ingress/send-json';
import { chatKind } from '../pipeline/kinds/chat';
import { embeddingsKind } from '../pipeline/kinds/embeddings';
import { responsesKind } from '../pipeline/kinds/responses';
import { runRequest, type ApiRoute, type RequestOrigin } from '../pipeline/run-request';
import type { PipelineRuntime } from '../pipeline/pipeline-runtime';
import { listModels } from './list-models';
import { serveStoredResponse } from './stored-responses';
import type { TicketClaims } from './tickets';

type Run = (rt: PipelineRuntime, origin: RequestOrigin) => Promise<void>;
const call =
  <Request, S extends Sink>(route: ApiRoute<Request, S>): Run =>
  (rt, origin) =>
    runRequest(rt, origin, route);

// Kong may or may not strip the route prefix; match on the API's own suffix.
const CALLS: Array<{ method: string; suffix: string; run: Run }> = [
  { method: 'POST', suffix: '/chat/completions', run: call({ ingress: withReasoningState(openAiChatIngress), kind: chatKind }) },
  { method: 'POST', suffix: '/messages', run: call({ ingress: withReasoningState(anthropicMessagesIngress), kind: chatKind }) },
  { method: 'POST', suffix: '/embeddings', run: call({ ingress: openAiEmbeddingsIngress, kind: embeddingsKind }) },
  { method: 'POST', suffix: '/responses', run: call({ ingress: responsesIngress, kind: responsesKind }) },
];
const MODEL = /\/models\/([^/]+)$/;
const STORED_RESPONSE = /\/responses\/(resp_[A-Za-z0-9]+)$/;

export async function routeRequest(rt: PipelineRuntime, req: IncomingMessage, res: ServerResponse, claims: TicketClaims): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const api = CALLS.find((c) => c.method === req.method && path.endsWith(c.suffix));
  if (api) return api.run(rt, { req, res, consumer: claims.consumer, startedAt: claims.startedAt });
  req.resume();
  if (req.method === 'GET' && path.endsWith('/models')) return listModels(rt, res, undefined);
  const model = req.method === 'GET' ? MODEL.exec(path) : null;
  if (model) return listModels(rt, res, model[1]);
  const stored = req.method === 'GET' || req.method === 'DELETE' ? STORED_RESPONSE.exec(path) : null;
  if (stored) return serveStoredResponse(rt, res, req.method as 'GET' | 'DELETE', stored[1]!, claims.consumer);
  sendJson(res, 404, errorBody(`Unknown API path: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'));
}
