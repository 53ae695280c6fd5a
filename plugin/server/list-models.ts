// GET /models and /models/{name}: the gateway's endpoints, as OpenAI models.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Endpoint } from '../contract';
import { errorBody, sendJson } from '../ingress/send-json';
import { configUnavailable, modelNotFound } from '../pipeline/run-request';
import type { PipelineRuntime } from '../pipeline/pipeline-runtime';

/** `encodedName`: the path segment as the client sent it (percent-encoded). */
export async function listModels(rt: PipelineRuntime, res: ServerResponse, encodedName: string | undefined): Promise<void> {
  // Every answer carries a request id, as every other gateway answer does.
  const headers = { 'x-request-id': randomUUID() };
  const snapshot = await rt.config.ready(2_000);
  if (!snapshot) return sendJson(res, 503, configUnavailable(), headers);
  const model = (e: Endpoint) => ({ id: e.name, object: 'model', created: 0, owned_by: 'llm-gateway', kind: e.kind });
  if (encodedName === undefined) return sendJson(res, 200, { object: 'list', data: [...snapshot.endpoints.values()].map(model) }, headers);
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    return sendJson(
      res,
      400,
      errorBody(`The model name in the path is not valid percent-encoding: ${encodedName}`, 'invalid_request_error', 'invalid_request', 'model'),
      headers,
    );
  }
  const endpoint = snapshot.endpoints.get(name);
  if (endpoint) sendJson(res, 200, model(endpoint), headers);
  else sendJson(res, 404, modelNotFound(name), headers);
}
