import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskedHint } from './provider-credentials';

test('a secret hint shows less of a shorter key, and nothing of a short one', () => {
  assert.equal(maskedHint({ apiKey: `sk-proj-${'x'.repeat(40)}WXYZ` }), '****WXYZ');
  assert.equal(maskedHint({ apiKey: '0123456789abcdefghij' }), '****ij');
  assert.equal(maskedHint({ apiKey: 'short-key-12' }), '****');
  assert.equal(maskedHint({ accessKeyId: 'AKIA', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }), '****EKEY');
  assert.equal(maskedHint({ resource: 'my-azure' }), '****');
});
