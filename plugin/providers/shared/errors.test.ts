import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapUpstreamError, parseRetryAfter } from './errors';
import { createJsonMinifier } from './json-minify';

describe('status mapping table', () => {
  const cases: Array<[number, number, string]> = [
    [400, 400, 'invalid_request_error'],
    [413, 413, 'invalid_request_error'],
    [422, 400, 'invalid_request_error'],
    [401, 502, 'upstream_auth_error'],
    [403, 502, 'upstream_auth_error'],
    [404, 502, 'upstream_error'],
    [408, 504, 'timeout_error'],
    [429, 429, 'rate_limit_exceeded'],
    [500, 502, 'upstream_error'],
    [502, 502, 'upstream_error'],
    [503, 503, 'service_unavailable'],
    [504, 504, 'timeout_error'],
    [529, 503, 'service_unavailable'],
  ];
  for (const [upstream, status, type] of cases) {
    it(`${upstream} -> ${status} ${type}`, () => {
      const e = mapUpstreamError({ provider: 'P', status: upstream, message: 'm' });
      assert.deepEqual([e.status, e.type, e.upstreamStatus], [status, type, upstream]);
    });
  }
});

describe('retry-after', () => {
  it('reads retry-after-ms, seconds and HTTP dates (against the Date header)', () => {
    assert.equal(parseRetryAfter({ 'retry-after-ms': '250' }), 250);
    assert.equal(parseRetryAfter({ 'Retry-After': '3' }), 3000);
    assert.equal(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT', date: 'Wed, 21 Oct 2015 07:28:00 GMT' }), 30000);
    assert.equal(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }), undefined);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }), undefined);
    assert.equal(parseRetryAfter({}), undefined);
  });
});

describe('json minifier', () => {
  it('drops whitespace outside strings only, across piece boundaries and escapes', () => {
    const m = createJsonMinifier();
    const pieces = ['{"a b"', ' : "x \\"', ' y"', ',\n "c": [1, ', '2 ]}'];
    const out = pieces.map((p) => m.push(p)).join('');
    assert.equal(out, '{"a b":"x \\" y","c":[1,2]}');
    assert.equal(out, JSON.stringify(JSON.parse(pieces.join(''))));
  });
});
