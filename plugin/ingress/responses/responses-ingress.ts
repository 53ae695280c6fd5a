// OpenAI's Responses API as a way in, on the same pipeline as chat: the
// request becomes a chat request (continuing a stored conversation when it
// names a previous response), and the answer goes out as a Response.
import type { ChatSink, Ingress } from '../contract';
import { errorBody, sendJson } from '../send-json';
import { responsesSink } from './sink';
import { responseKey, type ResponsesCall, type StoredResponse } from './stored-response';
import { toChatRequest } from './to-chat-request';
import { ResponsesRequestError } from './to-chat-messages';
import { validateResponsesRequest } from './validate-request';

/** How long a stored response can be continued (OpenAI keeps them 30 days); the control plane may keep it less (CONVERSATION_RETENTION_DAYS). */
export const RESPONSE_RETENTION_MS = 30 * 24 * 3_600_000;
/** A node serves its own copy of a stored response this long; then it asks again, so an admin's deletion takes effect everywhere. */
export const LOCAL_COPY_MS = 5_000;

export const responsesIngress: Ingress<ResponsesCall, ChatSink> = {
  name: 'responses',
  parse(body) {
    const v = validateResponsesRequest(body);
    if (!v.ok) return { ok: false, message: v.error.message, param: v.error.param };
    try {
      return { ok: true, value: { responses: v.value, chat: toChatRequest(v.value) } };
    } catch (err) {
      if (err instanceof ResponsesRequestError) return { ok: false, message: err.message, param: err.param };
      throw err;
    }
  },
  async prepare(call, context) {
    const previousId = call.responses.previous_response_id;
    if (!previousId) return { ok: true, value: call };
    const record = await context.conversations.get<StoredResponse>(responseKey(previousId), { maxLocalAgeMs: LOCAL_COPY_MS });
    // Another user's response is as unknown as a missing one.
    const foreign = record && record.user !== context.user && record.user !== 'anonymous';
    if (!record || foreign) {
      const message = `Previous response with id '${previousId}' not found (it was never stored, has expired, or was deleted).`;
      return { ok: false, status: 400, error: errorBody(message, 'invalid_request_error', 'previous_response_not_found', 'previous_response_id') };
    }
    if (record.endpoint !== context.endpoint.name) {
      const message = `Previous response '${previousId}' belongs to model '${record.endpoint}', not '${context.endpoint.name}'.`;
      return { ok: false, status: 400, error: errorBody(message, 'invalid_request_error', 'previous_response_model_mismatch', 'previous_response_id') };
    }
    return { ok: true, value: { ...call, chat: toChatRequest(call.responses, record.value.messages) } };
  },
  sendError: sendJson,
  sink: (res, call, context) => responsesSink(res, call, context, { retentionMs: RESPONSE_RETENTION_MS }),
};
