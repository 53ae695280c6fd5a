import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Destination, Endpoint } from '../contract';
import { DestinationHealth } from './cooldown';
import { planAttempts } from './plan';
import { GatewayError } from '../gateway-error';
import { retryDelayMs, shouldFallBack } from './retry';

function dest(id: string, weight: number): Destination {
  return { id, provider: 'openai', model: id, credentials: {}, options: {}, weight, timeoutMs: 1000 };
}

function endpoint(destinations: Destination[], chain: string[], maxAttempts: number): Endpoint {
  return {
    id: 'e1',
    name: 'chat',
    kind: 'chat',
    version: 1,
    destinations,
    logPayloads: false,
    fallback: { chain, maxAttempts, triggers: ['429', '5xx', 'timeout', 'connection'] },
  };
}

test('plan: pick first, then the chain, repeated up to maxAttempts', () => {
  const e = endpoint([dest('a', 100), dest('b', 0), dest('c', 0)], ['b', 'c'], 5);
  const plan = planAttempts({ endpoint: e, random: () => 0.5, isCooling: () => false });
  assert.deepEqual(
    plan.map((d) => d.id),
    ['a', 'b', 'c', 'a', 'b'],
  );
});

test('plan: the chain does not repeat the picked destination', () => {
  const e = endpoint([dest('a', 50), dest('b', 50)], ['a', 'b'], 2);
  const plan = planAttempts({ endpoint: e, random: () => 0.99, isCooling: () => false });
  assert.deepEqual(
    plan.map((d) => d.id),
    ['b', 'a'],
  );
});

test('plan: cooled-down destinations are not picked and go last', () => {
  const e = endpoint([dest('a', 50), dest('b', 50), dest('c', 0)], ['a', 'b', 'c'], 3);
  const cooling = new Set(['a']);
  for (const r of [0.1, 0.4, 0.6, 0.9]) {
    const plan = planAttempts({ endpoint: e, random: () => r, isCooling: (d) => cooling.has(d.id) });
    assert.deepEqual(
      plan.map((d) => d.id),
      ['b', 'c', 'a'],
    );
  }
});

test('plan: everything cooling still yields attempts', () => {
  const e = endpoint([dest('a', 100)], [], 2);
  const plan = planAttempts({ endpoint: e, random: () => 0.3, isCooling: () => true });
  assert.deepEqual(
    plan.map((d) => d.id),
    ['a', 'a'],
  );
});

test('cooldown: opens after the threshold, probes once, doubles on a failed probe', () => {
  let now = 0;
  const h = new DestinationHealth({ threshold: 3, baseMs: 1000, maxMs: 10_000 }, () => now);
  h.failure('d');
  h.failure('d');
  assert.equal(h.admit('d'), true);
  h.failure('d');
  assert.equal(h.isCooling('d'), true);
  assert.equal(h.admit('d'), false);
  now = 1000;
  assert.equal(h.admit('d'), true, 'one probe after the cooldown');
  assert.equal(h.admit('d'), false, 'only one probe at a time');
  h.failure('d');
  now = 2999;
  assert.equal(h.admit('d'), false, 'cooldown doubled to 2000 ms');
  now = 3000;
  assert.equal(h.admit('d'), true);
  h.success('d');
  assert.equal(h.isCooling('d'), false);
  assert.equal(h.admit('d'), true);
});

function failure(partial: Partial<Pick<GatewayError, 'kind' | 'status' | 'upstreamStatus'>>): GatewayError {
  const f = { kind: 'status' as const, status: 502, upstreamStatus: 500 as number | null, ...partial };
  return new GatewayError('x', f.status, 'api_error', null, f.upstreamStatus, undefined, null, f.kind);
}

test('triggers: 429, 5xx, timeout, connection fall back; other 4xx only when configured', () => {
  const defaults = ['429', '5xx', 'timeout', 'connection'] as const;
  assert.equal(shouldFallBack(failure({ upstreamStatus: 429, status: 429 }), [...defaults]), true);
  assert.equal(shouldFallBack(failure({ upstreamStatus: 503, status: 503 }), [...defaults]), true);
  assert.equal(shouldFallBack(failure({ kind: 'timeout', upstreamStatus: null, status: 504 }), [...defaults]), true);
  assert.equal(shouldFallBack(failure({ kind: 'connection', upstreamStatus: null }), [...defaults]), true);
  assert.equal(shouldFallBack(failure({ upstreamStatus: 400, status: 400 }), [...defaults]), false);
  assert.equal(shouldFallBack(failure({ upstreamStatus: 401, status: 502 }), [...defaults]), true, "the provider rejected the gateway's key");
  assert.equal(shouldFallBack(failure({ upstreamStatus: 400, status: 400 }), [...defaults, '4xx']), true);
});

test('retry delay: exponential with jitter, honours Retry-After, gives up on long ones', () => {
  assert.equal(
    retryDelayMs(0, undefined, () => 1),
    200,
  );
  assert.equal(
    retryDelayMs(3, undefined, () => 1),
    1600,
  );
  assert.equal(
    retryDelayMs(10, undefined, () => 1),
    2000,
    'capped',
  );
  assert.equal(
    retryDelayMs(0, 1500, () => 0),
    1500,
    'never shorter than Retry-After',
  );
  assert.equal(
    retryDelayMs(0, 60_000, () => 0),
    undefined,
    'too long to wait',
  );
});
