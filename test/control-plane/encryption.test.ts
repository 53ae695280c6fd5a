import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EnvelopeCipher } from '../../control-plane/services/envelope-encryption';
import { collectionNames, connectTestDb, partition, type TestDb } from '../helpers/db';
import { chatEndpoint, startHarness, type Harness } from './harness';

const API_KEY = 'sk-live-plaintext-must-not-leak-4242';
const OTEL_TOKEN = 'Bearer otel-plaintext-must-not-leak-4343';
const root = path.resolve(__dirname, '../..');

describe('secrets at rest', () => {
  let db: TestDb;
  let h: Harness;
  const kek1 = crypto.randomBytes(32);
  const kek2 = crypto.randomBytes(32);
  let secretId: string;

  before(async () => {
    db = await connectTestDb('enc');
    h = await startHarness({ db, config: { kek: { current: { version: 1, key: kek1 }, previous: [] } } });
    secretId = (
      await h
        .as('admin')
        .post('/api/v1/secrets')
        .send({ name: 'k', provider: 'openai', value: { apiKey: API_KEY } })
        .expect(201)
    ).body.id;
    await h.as('admin').post('/api/v1/endpoints').send(chatEndpoint('e', 'k')).expect(201);
    await h
      .as('admin')
      .post('/api/v1/telemetry/exporters')
      .send({ name: 'otel', url: 'http://127.0.0.1:4318/v1/traces', secretHeaders: { authorization: OTEL_TOKEN } })
      .expect(201);
  });
  after(async () => {
    await h?.close();
    await db?.close();
  });

  it('stores no plaintext anywhere in the database', async () => {
    const raw = await db.db.collection('secrets').findOne({ _id: secretId as never });
    assert.ok(raw);
    assert.equal(raw.encrypted.kekVersion, 1);
    for (const name of await collectionNames(db)) {
      const dump = JSON.stringify(await (await partition(db, name)).find().toArray());
      assert.ok(!dump.includes(API_KEY), `plaintext found in ${name}`);
      assert.ok(!dump.includes(Buffer.from(API_KEY).toString('base64')), `base64 plaintext found in ${name}`);
      assert.ok(!dump.includes('otel-plaintext-must-not-leak'), `an exporter's secret header in plaintext in ${name}`);
    }
  });

  it('decrypts with the right key and id, and fails on tampering or the wrong associated data', async () => {
    const raw = await db.db.collection('secrets').findOne({ _id: secretId as never });
    const cipher = new EnvelopeCipher({ current: { version: 1, key: kek1 }, previous: [] });
    assert.deepEqual(cipher.decrypt(secretId, raw!.encrypted), { apiKey: API_KEY });

    const flipped = Buffer.from(raw!.encrypted.ciphertext.data, 'base64');
    flipped[0]! ^= 1;
    const tampered = { ...raw!.encrypted, ciphertext: { ...raw!.encrypted.ciphertext, data: flipped.toString('base64') } };
    assert.throws(() => cipher.decrypt(secretId, tampered), /failed to decrypt/);
    assert.throws(() => cipher.decrypt('another-secret-id', raw!.encrypted), /failed to decrypt/);
    const wrongKek = new EnvelopeCipher({ current: { version: 1, key: crypto.randomBytes(32) }, previous: [] });
    assert.throws(() => wrongKek.decrypt(secretId, raw!.encrypted), /failed to decrypt/);
  });

  it('a ciphertext copied onto another secret does not decrypt in the snapshot', async () => {
    const other = (
      await h
        .as('admin')
        .post('/api/v1/secrets')
        .send({ name: 'k2', provider: 'openai', value: { apiKey: 'sk-other-000000000000' } })
        .expect(201)
    ).body.id;
    const raw = await db.db.collection('secrets').findOne({ _id: secretId as never });
    const cipher = new EnvelopeCipher({ current: { version: 1, key: kek1 }, previous: [] });
    assert.throws(() => cipher.decrypt(other, raw!.encrypted), /failed to decrypt/);
  });

  it('rotate-kek re-wraps every data key with the new KEK; values still decrypt', async () => {
    const before = await db.db.collection('secrets').findOne({ _id: secretId as never });
    const env = {
      ...process.env,
      MONGODB_URI: db.uri,
      GATEWAY_KEK: kek2.toString('base64'),
      GATEWAY_KEK_VERSION: '2',
      GATEWAY_KEK_PREVIOUS: `1:${kek1.toString('base64')}`,
      JWT_SECRET: 'unused-here',
    };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'control-plane/cli/rotate-kek.ts'], { cwd: root, env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { kekVersion: 2, rewrapped: 2, skipped: 0, exporters: { rewrapped: 1, skipped: 0 } });

    const afterDoc = await db.db.collection('secrets').findOne({ _id: secretId as never });
    assert.equal(afterDoc!.encrypted.kekVersion, 2);
    assert.notEqual(afterDoc!.encrypted.wrappedKey.data, before!.encrypted.wrappedKey.data);
    assert.equal(afterDoc!.encrypted.ciphertext.data, before!.encrypted.ciphertext.data, 'only the data key is re-wrapped');
    const onlyNew = new EnvelopeCipher({ current: { version: 2, key: kek2 }, previous: [] });
    assert.deepEqual(onlyNew.decrypt(secretId, afterDoc!.encrypted as never), { apiKey: API_KEY });
    assert.throws(() => new EnvelopeCipher({ current: { version: 1, key: kek1 }, previous: [] }).decrypt(secretId, afterDoc!.encrypted as never));

    // Re-running finds nothing left to do.
    const again = spawnSync(process.execPath, ['--import', 'tsx', 'control-plane/cli/rotate-kek.ts'], { cwd: root, env, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(again.stdout), { kekVersion: 2, rewrapped: 0, skipped: 0, exporters: { rewrapped: 0, skipped: 0 } });

    // A control plane on the new KEK serves the same value to data planes.
    const h2 = await startHarness({ db, config: { kek: { current: { version: 2, key: kek2 }, previous: [] } } });
    try {
      const snap = await h2.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
      assert.equal(snap.body.endpoints[0].destinations[0].credentials.apiKey, API_KEY);
      assert.equal(snap.body.exporters[0].headers.authorization, OTEL_TOKEN, "an exporter's secret header too");
    } finally {
      await h2.close();
    }
  });
});
