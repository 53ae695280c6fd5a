// The attempt loop with the real plan, health and trace: what each kind of
// failure lets it do (retry the same destination, fall back, or stop), and
// that nothing a provider echoed leaves it unredacted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Destination, Endpoint, FallbackTrigger } from '../contract';
import { GatewayError, preparationFailure } from '../gateway-error';
import type { Sink } from '../ingress/contract';
import { DestinationHealth } from '../routing/cooldown';
import { createRedactor } from '../security/redact-secrets';
import { runAttempts } from './attempt-loop';
import type { AttemptOutcome, CallKind } from './call-kind';
import { TraceRecorder } from './trace-recorder';

const destination = (id: string, weight: number): Destination => ({
  id,
  provider: 'openai',
  model: `model-${id}`,
  credentials: { apiKey: `sk-key-of-${id}-0123456789` },
  options: {},
  weight,
  timeoutMs: 1000,
});

function endpoint(chain: string[], maxAttempts: number, triggers: FallbackTrigger[] = ['429', '5xx', 'timeout', 'connection', '4xx']): Endpoint {
  return {
    id: 'ep1',
    name: 'agent',
    kind: 'chat',
    version: 1,
    destinations: [destination('a', 100), destination('b', 0)],
    fallback: { chain, maxAttempts, triggers },
    logPayloads: false,
  };
}

/** Runs the loop with a kind whose every attempt ends as `outcomes` say, in order; returns who was tried. */
async function run(ep: Endpoint, outcomes: Array<(d: Destination) => AttemptOutcome>) {
  const tried: string[] = [];
  const kind: CallKind<unknown, Sink> = {
    kind: 'chat',
    estimate: () => ({ promptTokens: 0, maxOutputTokens: 0, tokens: 0, usd: 0, promptUsd: 0, outputUsdPerToken: 0 }),
    attempt: async (_call, d) => {
      tried.push(d.id);
      return outcomes[Math.min(tried.length, outcomes.length) - 1]!(d);
    },
  };
  const trace = new TraceRecorder({ id: 't1', endpoint: 'agent', kind: 'chat', user: 'u', ingress: 'openai', stream: false, startedAt: performance.now() });
  const redact = createRedactor(ep.destinations.map((d) => d.credentials.apiKey));
  const call = { endpoint: ep, request: {}, sink: { error: () => undefined }, trace, signal: new AbortController().signal, redact };
  const outcome = await runAttempts({ call, kind, health: new DestinationHealth(), random: () => 0 });
  return { outcome, tried, trace };
}

const failed = (failure: GatewayError) => () => ({ answered: false as const, failure });
const answered = () => ({ answered: true as const, status: 200 });

describe('attempt loop', () => {
  it('a translation bug is a 500 that is neither retried nor falls back, however the endpoint is set up', async () => {
    const bug = preparationFailure(new TypeError("Cannot read properties of undefined (reading 'map')"));
    const { outcome, tried, trace } = await run(endpoint(['b'], 3), [failed(bug), answered]);
    assert.deepEqual(tried, ['a']);
    assert.equal(outcome.answered, false);
    assert.equal(!outcome.answered && outcome.failure.status, 500);
    assert.equal(!outcome.answered && outcome.failure.code, 'translation_failed');
    assert.equal(trace.attempts.length, 1);
  });

  it("a request the provider cannot express is the client's 400, with its param, even with 4xx fallback on", async () => {
    const refusal = preparationFailure(
      new GatewayError('arguments are not valid JSON', 400, 'invalid_request_error', null, null, undefined, 'messages[1].tool_calls[0]'),
    );
    const { outcome, tried } = await run(endpoint(['b'], 3), [failed(refusal), answered]);
    assert.deepEqual(tried, ['a']);
    assert.equal(!outcome.answered && outcome.failure.status, 400);
    assert.equal(!outcome.answered && outcome.failure.param, 'messages[1].tool_calls[0]');
  });

  it('a misconfigured destination falls back to another but is never retried itself', async () => {
    const noKey = preparationFailure(new GatewayError('no API key configured', 500, 'server_error', 'missing_credentials', null));
    const alone = await run(endpoint([], 3), [failed(noKey)]);
    assert.deepEqual(alone.tried, ['a'], 'the same destination is not retried');
    const withBackup = await run(endpoint(['b'], 3), [failed(noKey), answered]);
    assert.deepEqual(withBackup.tried, ['a', 'b']);
    assert.equal(withBackup.outcome.answered, true);
  });

  it('a provider failure is retried on the same destination and then falls back', async () => {
    const overloaded = new GatewayError('overloaded', 503, 'service_unavailable', 'provider_overloaded', 529);
    const retried = await run(endpoint([], 3), [failed(overloaded), failed(overloaded), answered]);
    assert.deepEqual(retried.tried, ['a', 'a', 'a']);
    assert.equal(retried.outcome.answered, true);
    assert.equal(retried.trace.attempts.length, 3);
  });

  it('redacts every credential the destinations hold, and key shapes, from what a provider said', async () => {
    const echo = (d: Destination) =>
      new GatewayError(
        `Incorrect API key provided: ${d.credentials.apiKey}; also Bearer abcdefghijklmnop and sk-proj-****wxyz`,
        502,
        'upstream_auth_error',
        'provider_auth_failed',
        401,
      );
    const { outcome, trace } = await run(endpoint(['b'], 2), [(d) => failed(echo(d))(), (d) => failed(echo(d))()]);
    assert.equal(outcome.answered, false);
    const told = !outcome.answered ? outcome.failure.message : '';
    for (const text of [told, ...trace.attempts.map((a) => a.error?.message ?? '')]) {
      assert.doesNotMatch(text, /sk-key-of|abcdefghijklmnop|wxyz/);
      assert.match(text, /\[REDACTED\]/);
    }
  });
});
