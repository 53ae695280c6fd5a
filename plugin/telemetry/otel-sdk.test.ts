import assert from 'node:assert/strict';
import { test } from 'node:test';

const otelModules = () => Object.keys(require.cache).filter((k) => /[\\/]@opentelemetry[\\/]/.test(k)).length;

test("a data-plane worker loads OpenTelemetry's SDK only with its first exporter", async () => {
  // Every module a worker loads at its start.
  await import('../server/worker-runtime');
  const { Telemetry } = await import('./telemetry');
  const { otelSdkLoaded } = await import('./otel-sdk');
  const telemetry = new Telemetry({ controlPlaneUrl: 'http://127.0.0.1:9', token: 't', timeoutMs: 100, env: {} });
  telemetry.configure([]);
  assert.equal(otelModules(), 0);
  assert.equal(otelSdkLoaded(), false);

  telemetry.configure([
    { id: 'e1', name: 'collector', url: 'http://127.0.0.1:9/v1/traces', protocol: 'http/json', headers: {}, samplingRatio: 1, content: false, version: 1 },
  ]);
  assert.ok(otelModules() > 50, `the SDK loaded (${otelModules()} modules)`);
  assert.deepEqual(
    telemetry.counts().map((c) => c.name),
    ['collector'],
  );
  await telemetry.stop(100);
});
