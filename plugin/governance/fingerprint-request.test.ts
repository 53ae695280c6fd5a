import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprintRequest } from './fingerprint-request';

describe('fingerprintRequest', () => {
  const turn = (id: string, extra: Record<string, unknown> = {}) => ({
    model: 'chat',
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'w', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: id, content: 'sunny' },
    ],
    tools: [{ type: 'function', function: { name: 'w', parameters: { type: 'object', properties: {} } } }],
    ...extra,
  });

  it('is the same for the same messages and tools, whatever the tool-call ids, key order or sampling settings', () => {
    const a = fingerprintRequest(turn('call_1'));
    assert.equal(fingerprintRequest(turn('call_2', { temperature: 0.3, stream: true })), a);
    const reordered = { tools: turn('x').tools, messages: turn('x').messages.map((m) => Object.fromEntries(Object.entries(m).reverse())) };
    assert.equal(fingerprintRequest(reordered), a);
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  });

  it('differs when a message, a tool or the conversation length differs', () => {
    const a = fingerprintRequest(turn('c'));
    const b = turn('c');
    b.messages[2]!.content = 'rainy';
    assert.notEqual(fingerprintRequest(b), a);
    assert.notEqual(fingerprintRequest({ ...turn('c'), tools: [] }), a);
    assert.notEqual(fingerprintRequest({ ...turn('c'), messages: turn('c').messages.slice(0, 2) }), a);
    assert.notEqual(fingerprintRequest({ input: 'x' }), fingerprintRequest({ input: 'y' }), 'embeddings: by input');
  });
});
