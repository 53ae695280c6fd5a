import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ApiFailure } from './client';
import { fieldErrorsOf } from './field-errors';

it('keys API errors like the form fields, whichever layer reported them', () => {
  const failure = new ApiFailure(400, 'validation_failed', '…', [
    { field: 'body.destinations[0].options.baseUrl', message: 'must match format "uri"' },
    { field: 'destinations[1].secret', message: "secret 'x' does not exist" },
    { field: 'destinations[1].secret', message: 'is for provider openai' },
    { message: 'something without a field' },
  ]);
  assert.deepEqual(fieldErrorsOf(failure), {
    fields: { 'destinations[0].options.baseUrl': 'must match format "uri"', 'destinations[1].secret': "secret 'x' does not exist; is for provider openai" },
    general: ['something without a field'],
  });
  assert.deepEqual(fieldErrorsOf(new ApiFailure(409, 'endpoint_name_taken', 'name: taken')), { fields: {}, general: ['name: taken'] });
});
