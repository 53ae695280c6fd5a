// `npm run rotate-kek` is a process of its own: its re-wrap of a secret or an
// exporter's secret headers can meet the control plane changing the same
// document. Neither may lose the other's write, on FerretDB as on MongoDB.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connectDatabase, type Database } from '../../control-plane/loaders/database';
import { createLogger } from '../../control-plane/logger';
import { createServices, type Services } from '../../control-plane/services';
import { DocumentLocks } from '../../control-plane/services/document-locks';
import { EnvelopeCipher } from '../../control-plane/services/envelope-encryption';
import { connectTestDb, type TestDb } from '../helpers/db';

const SECRETS = 30;
const EXPORTERS = 10;
// Only the first few exporters' re-wraps land inside a racing change: more rounds, not more exporters, make a lost one likely.
const EXPORTER_ROUNDS = 24;
const ROUNDS = 8;

describe('rotate-kek racing value rotations', () => {
  let db: TestDb;
  let cpDb: Database;
  let cliDb: Database;
  let cp: Services;
  let cli: Services;
  const kek1 = { version: 1, key: crypto.randomBytes(32) };
  const kek2 = { version: 2, key: crypto.randomBytes(32) };
  const both = new EnvelopeCipher({ current: kek2, previous: [kek1] });
  const log = createLogger('silent');
  const config = (current: typeof kek1, previous: Array<typeof kek1>) => ({
    kek: { current, previous },
    versionPollMs: 60_000,
    retention: {},
  });

  before(async () => {
    db = await connectTestDb('kekrace');
    // Two connections, as the control plane and the CLI each have their own.
    cpDb = await connectDatabase(db.uri);
    cliDb = await connectDatabase(db.uri);
    cp = createServices(cpDb.models, config(kek1, [kek2]), log);
    cli = createServices(cliDb.models, config(kek2, [kek1]), log);
  });
  after(async () => {
    await cpDb?.close();
    await cliDb?.close();
    await db?.close();
  });

  it('every rotated value survives a concurrent re-wrap', async () => {
    const actor = { sub: 'test', role: 'admin' } as never;
    const ids: string[] = [];
    for (let i = 0; i < SECRETS; i++) ids.push((await cp.secrets.create(actor, { name: `s${i}`, provider: 'openai', value: { apiKey: `sk-0-${i}` } })).id);
    const lost: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // The control plane writes under KEK 1, the CLI re-wraps to KEK 2: every round has work for both.
      await Promise.all([cli.secrets.rewrapAll(), ...ids.map((id, i) => cp.secrets.rotateValue(actor, id, { apiKey: `sk-${round}-${i}` }))]);
      for (const [i, id] of ids.entries()) {
        const raw = await db.db.collection('secrets').findOne({ _id: id as never });
        const value = both.decrypt(id, raw!.encrypted).apiKey;
        if (value !== `sk-${round}-${i}`) lost.push(`round ${round}: ${id} holds ${value}`);
      }
    }
    assert.deepEqual(lost, []);
  });

  it("an exporter's change made during a re-wrap leaves its secret headers under the new KEK", async () => {
    const actor = { sub: 'test', role: 'admin' } as never;
    const onlyNew = new EnvelopeCipher({ current: kek2, previous: [] });
    const names = Array.from({ length: EXPORTERS }, (_, i) => `otel${i}`);
    for (const name of names)
      await cp.exporters.create(actor, { name, url: 'http://127.0.0.1:4318/v1/traces', secretHeaders: { authorization: `Bearer ${name}-0` } });
    const stranded: string[] = [];
    for (let round = 1; round <= EXPORTER_ROUNDS; round++) {
      // A new token written by the control plane (under KEK 1), then a change of something else racing the re-wrap.
      for (const name of names) await cp.exporters.patch(actor, name, { secretHeaders: { authorization: `Bearer ${name}-${round}` } });
      await Promise.all([cli.exporters.rewrapAll(), ...names.map((name, i) => cp.exporters.patch(actor, name, { samplingRatio: (round + i) % 2 ? 0.5 : 1 }))]);
      for (const name of names) {
        const raw = await db.db.collection('telemetry_exporters').findOne({ name });
        let token: string | undefined;
        try {
          token = onlyNew.decrypt(`telemetry-exporter:${String(raw!._id)}`, raw!.encrypted).authorization;
        } catch {
          token = `not readable without KEK ${raw!.encrypted.kekVersion}`;
        }
        if (token !== `Bearer ${name}-${round}`) stranded.push(`round ${round}: ${name}: ${token}`);
      }
    }
    assert.deepEqual(stranded, []);
  });

  it('takes over the lock of a holder that died, once it expires', async () => {
    await cpDb.models.writeLocks.create({ _id: 'secret:dead-holder', holder: 'a process that died', expiresAt: new Date(Date.now() + 400) });
    const started = Date.now();
    const ran = await new DocumentLocks(cliDb.models.writeLocks, { waitMs: 5_000 }).run('secret:dead-holder', () => Promise.resolve('ran'));
    assert.equal(ran, 'ran');
    assert.ok(Date.now() - started >= 350, `ran after ${Date.now() - started} ms, before the lock expired`);
    assert.equal(await cpDb.models.writeLocks.countDocuments({ _id: 'secret:dead-holder' }), 0, 'released after the work');
  });

  it('gives up with 503 busy while another process holds the lock, and leaves that lock alone', async () => {
    await cpDb.models.writeLocks.create({ _id: 'secret:held', holder: 'the other process', expiresAt: new Date(Date.now() + 60_000) });
    let ran = false;
    await assert.rejects(
      new DocumentLocks(cliDb.models.writeLocks, { waitMs: 300 }).run('secret:held', () => Promise.resolve((ran = true))),
      (err: { status?: number; code?: string }) => err.status === 503 && err.code === 'busy',
    );
    assert.equal(ran, false);
    assert.equal((await cpDb.models.writeLocks.findById('secret:held').lean())?.holder, 'the other process');
  });
});
