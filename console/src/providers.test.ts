// The console describes providers for people; the control plane enforces the
// same facts. This keeps the two from drifting apart.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CREDENTIAL_FIELDS, PROVIDERS_WITHOUT_SECRET } from '../../control-plane/services/provider-credentials';
import { PROVIDER_IDS, PROVIDERS } from './providers';

it('asks for the secret fields the control plane requires, for every provider it knows', () => {
  assert.deepEqual([...PROVIDER_IDS].sort(), Object.keys(CREDENTIAL_FIELDS).sort());
  for (const id of PROVIDER_IDS) {
    assert.deepEqual(PROVIDERS[id].secretFields, CREDENTIAL_FIELDS[id], id);
    assert.equal(PROVIDERS[id].secretOptional, PROVIDERS_WITHOUT_SECRET.has(id), id);
  }
});
