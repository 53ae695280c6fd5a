import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicErrorType, fromOpenAiError } from './errors';

test('gateway errors -> Anthropic error types (status first, then the gateway type)', () => {
  const cases: Array<[number | null, string, string]> = [
    [400, 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', 'authentication_error'],
    [403, 'permission_error', 'permission_error'],
    [404, 'invalid_request_error', 'not_found_error'],
    [413, 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_exceeded', 'rate_limit_error'],
    [500, 'server_error', 'api_error'],
    [502, 'upstream_auth_error', 'api_error'],
    [502, 'upstream_error', 'api_error'],
    [503, 'service_unavailable', 'overloaded_error'],
    [529, 'overloaded_error', 'overloaded_error'],
    [504, 'timeout_error', 'timeout_error'],
    [422, 'whatever', 'invalid_request_error'],
    // In a stream there is no status: the gateway's type decides.
    [null, 'rate_limit_exceeded', 'rate_limit_error'],
    [null, 'service_unavailable', 'overloaded_error'],
    [null, 'timeout_error', 'timeout_error'],
    [null, 'upstream_error', 'api_error'],
    [null, 'server_error', 'api_error'],
  ];
  for (const [status, type, expected] of cases) assert.equal(anthropicErrorType(status, type), expected, `${status} ${type}`);
});

test('the error body keeps the message and adds request_id when known', () => {
  const body = { error: { message: 'nope', type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' } };
  assert.deepEqual(fromOpenAiError(429, body), { type: 'error', error: { type: 'rate_limit_error', message: 'nope' } });
  assert.deepEqual(fromOpenAiError(429, body, 'req_1'), { type: 'error', error: { type: 'rate_limit_error', message: 'nope' }, request_id: 'req_1' });
});
