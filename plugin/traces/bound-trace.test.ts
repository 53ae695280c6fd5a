// A trace built from hostile input (a 1 MiB `user`, a 300-character model,
// a provider's endless error text, non-finite timings) must still be one the
// control plane stores: bounded to openapi.yaml's Trace schema, as that
// schema's own validator (the one trace ingest uses) sees it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTraceCheck } from '../../control-plane/loaders/trace-schema';
import { loadSpec } from '../../control-plane/loaders/openapi';
import type { Trace, TraceAttempt } from '../contract';
import { boundTrace, TRACE_LIMITS, truncateText } from './bound-trace';

const check = compileTraceCheck();
const MiB = 1024 * 1024;

function trace(overrides: Partial<Trace> = {}): Trace {
  return {
    id: '0b4c2a4e-8f1e-4a55-9d7e-3c7e6a0c9f10',
    time: '2026-01-01T00:00:00.000Z',
    endpoint: 'chat',
    kind: 'chat',
    user: 'alice',
    ingress: 'openai',
    stream: false,
    status: 200,
    attempts: [{ destinationId: 'main', provider: 'openai', model: 'gpt-4o-mini', status: 200, latencyMs: 12.5 }],
    latencyMs: 20,
    overheadMs: 1.5,
    ...overrides,
  };
}

describe('boundTrace', () => {
  it('leaves a trace that already fits untouched', () => {
    const t = trace({ usage: { promptTokens: 3, completionTokens: 4, totalTokens: 7 }, costUsd: 0.0001, ttftMs: 5 });
    assert.deepEqual(boundTrace(t), t);
    assert.deepEqual(check(t), []);
  });

  it('the reproductions: a 1 MiB user and a 300-character model are refused as they are, stored once bounded', () => {
    const hostile = trace({ user: 'u'.repeat(MiB), endpoint: 'm'.repeat(300), status: 404, attempts: [] });
    assert.ok(check(hostile).length > 0, 'the unbounded trace is what the control plane refused');
    const bounded = boundTrace(hostile);
    assert.deepEqual(check(bounded), []);
    assert.equal(bounded.user.length, 256);
    assert.match(bounded.user, /^u+…\[\+\d+ chars\]$/, 'marked as cut');
    assert.equal(bounded.endpoint.length, 64);
    const dropped = Number(/\[\+(\d+) chars\]$/.exec(bounded.endpoint)![1]);
    assert.equal(bounded.endpoint.length - `…[+${dropped} chars]`.length + dropped, 300, 'the mark says how much was dropped');
  });

  it('every field over its limit, non-finite numbers and too many attempts: the result validates', () => {
    const huge = (n: number) => 'x'.repeat(n + 1000);
    const attempt = (i: number): TraceAttempt => ({
      destinationId: huge(64),
      provider: 'openai',
      model: huge(256),
      status: i % 2 ? null : 1234,
      latencyMs: i % 3 ? Number.NaN : -5,
      error: { type: huge(128), message: huge(4096) },
    });
    const hostile = trace({
      endpoint: huge(64),
      user: huge(256),
      runId: huge(256),
      errorCode: huge(128),
      model: huge(256),
      traceparent: huge(128),
      request: huge(MiB),
      response: huge(MiB),
      status: 1e6,
      latencyMs: Number.POSITIVE_INFINITY,
      overheadMs: -1,
      ttftMs: Number.NaN,
      costUsd: -0.5,
      usage: { promptTokens: -1, completionTokens: 1.5, totalTokens: Number.NaN, reasoningTokens: Infinity },
      budget: { reservedUsd: Number.NaN, reservedTokens: 1, chargedUsd: Infinity, chargedTokens: 2 },
      attempts: Array.from({ length: 30 }, (_, i) => attempt(i)),
    });
    const before = check(JSON.parse(JSON.stringify(hostile)));
    assert.ok(before.length > 0);
    const bounded = JSON.parse(JSON.stringify(boundTrace(hostile))) as Trace;
    assert.deepEqual(check(bounded), []);
    assert.equal(bounded.attempts.length, 20);
  });

  it('keeps the last attempt (the one that decided the answer) when there are too many', () => {
    const attempts = Array.from({ length: 25 }, (_, i) => ({ destinationId: `d${i}`, provider: 'openai' as const, model: 'm', status: 503, latencyMs: 1 }));
    const bounded = boundTrace(trace({ attempts }));
    assert.deepEqual(
      bounded.attempts.map((a) => a.destinationId),
      [...Array.from({ length: 19 }, (_, i) => `d${i}`), 'd24'],
    );
  });

  it('never splits a surrogate pair at the cut', () => {
    const text = `${'a'.repeat(40)}${'😀'.repeat(100)}`;
    for (let max = 30; max < 80; max++) {
      const cut = truncateText(text, max);
      assert.ok(cut.length <= max);
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), `no lone high surrogate at max ${max}`);
    }
  });

  it("covers every length, count and range limit of openapi.yaml's Trace and TraceAttempt", () => {
    const schemas = (loadSpec().doc as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } }).components.schemas;
    const found: string[] = [];
    const walk = (prefix: string, props: Record<string, Record<string, unknown>>) => {
      for (const [name, prop] of Object.entries(props)) {
        for (const key of ['maxLength', 'maxItems', 'maximum']) if (prop[key] !== undefined) found.push(`${prefix}${name}.${key}=${JSON.stringify(prop[key])}`);
        if (prop.properties) walk(`${prefix}${name}.`, prop.properties as Record<string, Record<string, unknown>>);
      }
    };
    walk('Trace.', schemas.Trace!.properties);
    walk('TraceAttempt.', schemas.TraceAttempt!.properties);
    const covered = [
      ...Object.entries(TRACE_LIMITS.trace).map(([k, v]) => `Trace.${k}.maxLength=${v}`),
      `Trace.attempts.maxItems=${TRACE_LIMITS.attempts}`,
      `Trace.status.maximum=${TRACE_LIMITS.status}`,
      ...Object.entries(TRACE_LIMITS.attempt).map(([k, v]) => `TraceAttempt.${k}.maxLength=${v}`),
      ...Object.entries(TRACE_LIMITS.attemptError).map(([k, v]) => `TraceAttempt.error.${k}.maxLength=${v}`),
      `TraceAttempt.status.maximum=${TRACE_LIMITS.status}`,
    ];
    assert.deepEqual(found.sort(), covered.sort(), 'a new limit in openapi.yaml needs a line in TRACE_LIMITS (and boundTrace)');
  });
});
