import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyError } from './call';

describe('classifyError', () => {
  it('a rejection that is not an Error object (null, undefined, a string) is a 502 unreachable, not a TypeError', () => {
    for (const thrown of [null, undefined, 'socket hang up']) {
      const e = classifyError(thrown, 1000);
      assert.equal(e.status, 502, String(thrown));
      assert.equal(e.code, 'provider_unreachable');
      assert.match(e.message, /^could not reach the provider: error$/);
    }
  });

  it('an Error keeps its code and message in the detail', () => {
    const e = classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 1000);
    assert.equal(e.message, 'could not reach the provider: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:9)');
  });
});
