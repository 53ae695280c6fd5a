import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigSnapshot } from '../../plugin/contract';
import { startHarness, type Harness } from './harness';

const mlflow = () => ({
  name: 'mlflow',
  url: 'http://127.0.0.1:5000/v1/traces',
  headers: { 'x-mlflow-experiment-id': '7' },
  secretHeaders: { Authorization: 'Bearer otel-secret-0123456789' },
  samplingRatio: 0.5,
});

describe('telemetry exporters API', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  it('creates an exporter, never returns secret header values, and audits it', async () => {
    const res = await h.as('admin').post('/api/v1/telemetry/exporters').send(mlflow()).expect(201);
    assert.equal(res.body.protocol, 'http/protobuf');
    assert.deepEqual(res.body.headers, { 'x-mlflow-experiment-id': '7' });
    assert.deepEqual(res.body.secretHeaders, ['authorization']);
    assert.equal(res.body.samplingRatio, 0.5);
    assert.equal(res.body.content, false);
    assert.equal(res.body.version, 1);
    for (const body of [
      res.body,
      (await h.as('viewer').get('/api/v1/telemetry/exporters').expect(200)).body,
      (await h.as('viewer').get('/api/v1/telemetry/exporters/mlflow').expect(200)).body,
    ]) {
      assert.ok(!JSON.stringify(body).includes('otel-secret'), 'secret header value returned');
    }
    const audit = await h.as('admin').get('/api/v1/audit?targetType=telemetry_exporter').expect(200);
    assert.equal(audit.body.items[0].action, 'telemetry_exporter.create');
    assert.ok(!JSON.stringify(audit.body).includes('otel-secret'));
    // At rest: encrypted, not in clear anywhere in the document.
    const raw = await h.db.db.collection('telemetry_exporters').findOne({ name: 'mlflow' });
    assert.ok(raw?.encrypted?.ciphertext?.data);
    assert.ok(!JSON.stringify(raw).includes('otel-secret'));
  });

  it('hands data planes the exporter with its secret headers decrypted in the snapshot', async () => {
    const snap = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const exporters = (snap.body as ConfigSnapshot).exporters!;
    assert.equal(exporters.length, 1);
    assert.deepEqual(exporters[0]!.headers, { 'x-mlflow-experiment-id': '7', authorization: 'Bearer otel-secret-0123456789' });
    assert.equal(exporters[0]!.url, 'http://127.0.0.1:5000/v1/traces');
  });

  it('patches one secret header at a time, bumps the version and the snapshot', async () => {
    const before = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    const res = await h
      .as('admin')
      .patch('/api/v1/telemetry/exporters/mlflow')
      .send({ secretHeaders: { 'x-api-key': 'second-secret' }, content: true })
      .expect(200);
    assert.deepEqual(res.body.secretHeaders, ['authorization', 'x-api-key']);
    assert.equal(res.body.version, 2);
    const snap = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    assert.ok(snap.body.version > before.body.version);
    assert.equal(snap.body.exporters[0].headers['x-api-key'], 'second-secret');
    assert.equal(snap.body.exporters[0].headers.authorization, 'Bearer otel-secret-0123456789');
    assert.equal(snap.body.exporters[0].content, true);
    const removed = await h
      .as('admin')
      .patch('/api/v1/telemetry/exporters/mlflow')
      .send({ secretHeaders: { authorization: null, 'x-api-key': null } })
      .expect(200);
    assert.deepEqual(removed.body.secretHeaders, []);
    const after = await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200);
    assert.deepEqual(after.body.exporters[0].headers, { 'x-mlflow-experiment-id': '7' });
  });

  it('refuses credentials outside secretHeaders, bad URLs and bad values with clear errors', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ ...mlflow(), name: 'a', headers: { Authorization: 'Bearer x' } }, /headers\.Authorization: looks like a credential: send it in secretHeaders/],
      [{ ...mlflow(), name: 'b', headers: { 'x-honeycomb-api-key': 'x' } }, /looks like a credential/],
      [{ ...mlflow(), name: 'c', url: 'http://user:pass@collector:4318/v1/traces' }, /url: must not carry credentials/],
      [{ ...mlflow(), name: 'd', url: 'grpc://collector:4317' }, /url/],
      [{ ...mlflow(), name: 'e', samplingRatio: 1.5 }, /samplingRatio/],
      [{ ...mlflow(), name: 'f', protocol: 'grpc' }, /protocol/],
      [{ ...mlflow(), name: 'g', headers: { 'x-bad': 'a\r\nInjected: 1' } }, /headers/],
      [{ ...mlflow(), name: 'h', secretHeaders: { authorization: 'x' }, headers: { Authorization: 'y' } }, /headers\.Authorization/],
      [{ ...mlflow(), name: 'i', headers: { 'x.dotted': 'a' } }, /headers/],
    ];
    for (const [body, message] of cases) {
      const res = await h.as('admin').post('/api/v1/telemetry/exporters').send(body).expect(400);
      assert.equal(res.body.error.code, 'validation_failed', JSON.stringify(res.body));
      assert.match(res.body.error.message, message);
    }
    const dup = await h.as('admin').post('/api/v1/telemetry/exporters').send(mlflow()).expect(409);
    assert.equal(dup.body.error.code, 'exporter_name_taken');
  });

  it('leaves disabled exporters out of the snapshot and deletes', async () => {
    await h.as('admin').patch('/api/v1/telemetry/exporters/mlflow').send({ enabled: false }).expect(200);
    assert.deepEqual((await h.as('dataplane').get('/api/v1/dataplane/snapshot').expect(200)).body.exporters, []);
    await h.as('admin').delete('/api/v1/telemetry/exporters/mlflow').expect(204);
    await h.as('viewer').get('/api/v1/telemetry/exporters/mlflow').expect(404);
  });

  it("sums data planes' exporter counts on /metrics; a late, smaller report changes nothing", async () => {
    const report = (dp: string, exported: number, dropped: number) =>
      h
        .as('dataplane')
        .post('/api/v1/dataplane/telemetry')
        .send({ dataplaneId: dp, exporters: [{ exporter: 'e1', name: 'mlflow', exported, dropped }] })
        .expect(204);
    await report('dp-a', 10, 2);
    await report('dp-b', 5, 1);
    await report('dp-a', 7, 1); // out of order
    const text = (await h.as('viewer').get('/metrics').expect(200)).text;
    assert.match(text, /llm_gateway_otel_spans_exported_total\{exporter="mlflow"\} 15/);
    assert.match(text, /llm_gateway_otel_spans_dropped_total\{exporter="mlflow"\} 3/);
  });

  it('reports racing to create one exporter document all apply (no duplicate-key 500), and the largest count wins', async () => {
    // Largest first: FerretDB applies `$max` as a read and a separate write, so an unserialized later, smaller report could overwrite it (CI saw 7 of 11).
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        h
          .as('dataplane')
          .post('/api/v1/dataplane/telemetry')
          .send({ dataplaneId: 'dp-race', exporters: [{ exporter: 'e-race', name: 'race', exported: 39 - i, dropped: 0 }] }),
      ),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [204]);
    const text = (await h.as('viewer').get('/metrics').expect(200)).text;
    assert.match(text, /llm_gateway_otel_spans_exported_total\{exporter="race"\} 39/, 'the largest count wins');
  });

  it("keeps the largest count when a data plane's reports race inside the process, on FerretDB too", async () => {
    // In process, without HTTP spreading them out, racing `$max` updates of one document lost counts on
    // FerretDB (its update reads and writes in separate steps): 3 of 10 rounds of 40 ended below 39.
    const counts = h.cp.services.telemetryCounts;
    for (let round = 0; round < 10; round++) {
      const exporter = `e-round-${round}`;
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          counts.record({ dataplaneId: 'dp-in-process', exporters: [{ exporter, name: exporter, exported: 39 - i, dropped: i }] }),
        ),
      );
      const sum = (await counts.sums()).find((s) => s.name === exporter);
      assert.deepEqual(sum, { name: exporter, exported: 39, dropped: 39 }, `round ${round}`);
    }
  });

  it('refuses a count beyond exact integers with a 400 naming the field (schemathesis found a 500 at 1.26e23)', async () => {
    const res = await h
      .as('dataplane')
      .post('/api/v1/dataplane/telemetry')
      .send({ dataplaneId: 'dp-huge', exporters: [{ exporter: 'e1', name: 'mlflow', exported: 1.26e23, dropped: 0 }] })
      .expect(400);
    assert.match(JSON.stringify(res.body.error), /exported/);
    const text = (await h.as('viewer').get('/metrics').expect(200)).text;
    assert.match(text, /llm_gateway_otel_spans_exported_total\{exporter="mlflow"\} 15/, 'the sums are unchanged');
  });
});
