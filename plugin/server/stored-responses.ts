// GET and DELETE /responses/{id}: a stored Responses answer, for the user
// that stored it (any caller when Kong identified no consumer: response
// ids are 128-bit random, as unguessable as a key).
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { LOCAL_COPY_MS } from '../ingress/responses/responses-ingress';
import { responseKey, type StoredResponse } from '../ingress/responses/stored-response';
import { errorBody, sendJson } from '../ingress/send-json';
import type { PipelineRuntime } from '../pipeline/pipeline-runtime';

export async function serveStoredResponse(
  rt: PipelineRuntime,
  res: ServerResponse,
  method: 'GET' | 'DELETE',
  id: string,
  consumer: string | undefined,
): Promise<void> {
  const headers = { 'x-request-id': randomUUID() };
  const key = responseKey(id);
  const record = await rt.conversations.get<StoredResponse>(key, { maxLocalAgeMs: LOCAL_COPY_MS });
  const user = consumer ?? 'anonymous';
  if (!record || (record.user !== user && record.user !== 'anonymous' && consumer !== undefined)) {
    return sendJson(res, 404, errorBody(`No response with id '${id}' is stored.`, 'invalid_request_error', 'response_not_found', 'response_id'), headers);
  }
  if (method === 'GET') return sendJson(res, 200, record.value.response, headers);
  await rt.conversations.delete(key);
  sendJson(res, 200, { id, object: 'response', deleted: true }, headers);
}
