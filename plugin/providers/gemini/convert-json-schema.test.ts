import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertJsonSchemaToGemini } from './convert-json-schema';

describe('convertJsonSchemaToGemini const', () => {
  it('a const becomes a one-value string enum: primitives as text, objects and arrays as JSON', () => {
    const out = convertJsonSchemaToGemini({
      type: 'object',
      properties: { s: { const: 'x' }, n: { const: 3 }, o: { const: { a: 1 } }, l: { const: [1, 'b'] } },
    });
    assert.deepEqual(Object.fromEntries(Object.entries(out.properties ?? {}).map(([k, v]) => [k, v.enum])), {
      s: ['x'],
      n: ['3'],
      o: ['{"a":1}'],
      l: ['[1,"b"]'],
    });
  });
});
