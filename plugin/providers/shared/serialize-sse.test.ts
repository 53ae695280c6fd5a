import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../contract';
import { errorBody, SSE_DONE, sseChunk, sseError } from './serialize-sse';
import { decodeAll } from './decode-stream-framing';

describe('client SSE serializer', () => {
  it('frames chunks, errors and [DONE] so the shared decoder reads them back', () => {
    const chunk = {
      id: 'c',
      object: 'chat.completion.chunk' as const,
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content: 'a\nb' }, finish_reason: null }],
    };
    const err = errorBody(new GatewayError('Overloaded', 503, 'service_unavailable', 'provider_overloaded', 529, 1000, null));
    const text = sseChunk(chunk) + sseError(err) + SSE_DONE;
    assert.equal(SSE_DONE, 'data: [DONE]\n\n');
    assert.deepEqual(
      decodeAll('sse', text).map((e) => (e.framing === 'sse' ? e.data : '')),
      [
        JSON.stringify(chunk),
        JSON.stringify({ error: { message: 'Overloaded', type: 'service_unavailable', param: null, code: 'provider_overloaded' } }),
        '[DONE]',
      ],
    );
  });
  it('turns unknown errors into server_error', () => {
    assert.deepEqual(errorBody(new Error('boom')), { error: { message: 'boom', type: 'server_error', param: null, code: null } });
  });
});
