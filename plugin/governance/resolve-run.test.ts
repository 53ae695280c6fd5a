import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveRun } from './resolve-run';

const headers = (h: Record<string, string>) => (name: string) => h[name];
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('resolveRun', () => {
  it('takes the named header, else the traceparent trace id', () => {
    const e = { runs: { header: 'x-agent-run-id', traceparent: true } };
    assert.deepEqual(resolveRun(e, headers({ 'x-agent-run-id': ' run-7 ', traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })), { ok: true, run: 'run-7' });
    assert.deepEqual(resolveRun(e, headers({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })), { ok: true, run: TRACE });
    assert.deepEqual(resolveRun({}, headers({ traceparent: `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01` })), { ok: true, run: TRACE }, 'the default');
  });

  it('gives no run without either, for an invalid or all-zero traceparent, or when traceparent is off', () => {
    assert.deepEqual(resolveRun({}, headers({})), { ok: true });
    assert.deepEqual(resolveRun({}, headers({ traceparent: 'garbage' })), { ok: true });
    assert.deepEqual(resolveRun({}, headers({ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` })), { ok: true });
    assert.deepEqual(resolveRun({ runs: { traceparent: false } }, headers({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` })), { ok: true });
  });

  it('refuses a run id that cannot be a ledger key or a header', () => {
    const e = { runs: { header: 'x-run', traceparent: true } };
    for (const bad of ['two words', 'x'.repeat(129), 'tab\there', 'ünïcode']) {
      const r = resolveRun(e, headers({ 'x-run': bad }));
      assert.ok(!r.ok && r.param === 'x-run', bad);
    }
    assert.ok(resolveRun(e, headers({ 'x-run': 'x'.repeat(128) })).ok);
  });
});
