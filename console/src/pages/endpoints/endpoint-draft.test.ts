import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../../api/client';
import {
  draftFromEndpoint,
  emptyDraft,
  endpointFromDraft,
  evenWeights,
  moveInChain,
  newDestination,
  removeDestination,
  renameDestination,
  setWeight,
  weightSum,
} from './endpoint-draft';

const stored: Endpoint = {
  id: 'e1',
  name: 'chat',
  kind: 'chat',
  destinations: [
    {
      id: 'primary',
      provider: 'azure-openai',
      model: 'gpt-4o',
      secret: 's1',
      options: { deployment: 'prod-4o', apiVersion: '2024-10-21', headers: { 'x-team': 'search' } },
      weight: 70,
      timeoutMs: 20000,
      price: { inputPerMTok: 2.5, outputPerMTok: 10 },
    },
    { id: 'local', provider: 'ollama', model: 'llama3.1', options: { baseUrl: 'http://10.0.0.5:11434' }, weight: 30, timeoutMs: 30000 },
  ],
  stickiness: { by: 'header', header: 'x-session' },
  fallback: { chain: ['local', 'primary'], maxAttempts: 4, triggers: ['5xx', 'timeout'] },
  rateLimits: { requestsPerMinute: 600, per: 'user' },
  enabled: false,
  logPayloads: true,
  version: 3,
  createdAt: '2031-01-01T00:00:00.000Z',
  updatedAt: '2031-01-02T00:00:00.000Z',
};

describe('endpoint draft', () => {
  it('round-trips a stored endpoint into the same request', () => {
    const { input, errors } = endpointFromDraft(draftFromEndpoint(stored));
    assert.deepEqual(errors, {});
    assert.deepEqual(input, {
      name: 'chat',
      kind: 'chat',
      enabled: false,
      logPayloads: true,
      destinations: [
        {
          id: 'primary',
          provider: 'azure-openai',
          model: 'gpt-4o',
          secret: 's1',
          options: { apiVersion: '2024-10-21', deployment: 'prod-4o', headers: { 'x-team': 'search' } },
          weight: 70,
          timeoutMs: 20000,
          price: { inputPerMTok: 2.5, outputPerMTok: 10 },
        },
        { id: 'local', provider: 'ollama', model: 'llama3.1', options: { baseUrl: 'http://10.0.0.5:11434' }, weight: 30, timeoutMs: 30000 },
      ],
      stickiness: { by: 'header', header: 'x-session' },
      fallback: { chain: ['local', 'primary'], maxAttempts: 4, triggers: ['5xx', 'timeout'] },
      rateLimits: { requestsPerMinute: 600, per: 'user' },
    });
  });

  it('sends only the options the chosen provider uses', () => {
    const d = draftFromEndpoint(stored);
    d.destinations[0] = { ...d.destinations[0]!, provider: 'openai', secret: 's2' };
    const dest = endpointFromDraft(d).input.destinations[0]!;
    assert.deepEqual(dest.options, { headers: { 'x-team': 'search' } }, 'deployment and apiVersion are Azure-only');
  });

  it('keys mistakes by the API field paths', () => {
    const d = emptyDraft();
    d.name = '-bad';
    d.destinations = [
      { ...newDestination(0, 50), provider: 'openai-compatible' },
      { ...newDestination(0, 30), model: 'x' },
    ];
    d.stickiness = 'header';
    d.maxAttempts = '11';
    d.destinations[1]!.priceOverride = true;
    d.destinations[1]!.inputPerMTok = '-1';
    const { errors } = endpointFromDraft(d);
    assert.deepEqual(Object.keys(errors).sort(), [
      'destinations',
      'destinations[0].model',
      'destinations[0].options.baseUrl',
      'destinations[1].id',
      'destinations[1].price.inputPerMTok',
      'destinations[1].price.outputPerMTok',
      'destinations[1].secret',
      'fallback.maxAttempts',
      'name',
      'stickiness.header',
    ]);
    assert.match(errors.destinations!, /sum to 80/);
    assert.equal(errors['destinations[0].secret'], undefined, 'an OpenAI-compatible server may need no key');
  });

  it('keeps two weights summing to 100 and splits evenly', () => {
    let d = emptyDraft();
    d = { ...d, destinations: [...d.destinations, newDestination(1, 0)] };
    d = setWeight(d, 0, 65);
    assert.deepEqual(
      d.destinations.map((x) => x.weight),
      [65, 35],
    );
    d = setWeight(d, 1, 140);
    assert.deepEqual(
      d.destinations.map((x) => x.weight),
      [0, 100],
    );
    assert.deepEqual(evenWeights(3), [34, 33, 33]);
    assert.equal(
      evenWeights(7).reduce((a, b) => a + b),
      100,
    );
    d = { ...d, destinations: [...d.destinations, newDestination(2, 0)] };
    d = setWeight(d, 2, 10);
    assert.equal(weightSum(d), 110, 'with three, the others are left for the person to balance');
  });

  it('follows renames and removals in the fallback chain, and reorders it', () => {
    let d = draftFromEndpoint(stored);
    d = renameDestination(d, 1, 'on-prem');
    assert.deepEqual(d.chain, ['on-prem', 'primary']);
    d = moveInChain(d, 1, -1);
    assert.deepEqual(d.chain, ['primary', 'on-prem']);
    assert.equal(moveInChain(d, 0, -1), d, 'the first cannot move up');
    d = removeDestination(d, 0);
    assert.deepEqual(d.chain, ['on-prem']);
  });
});

describe('agent-run settings the form does not edit', () => {
  it('survive a save: runs, loop breaker and shadow go back as they came (the shadow destination without a weight)', () => {
    const governed: Endpoint = {
      ...stored,
      rateLimits: { requestsPerMinute: 5, per: 'run' },
      runs: { header: 'x-agent-run-id', traceparent: true },
      loopBreaker: { maxRepeats: 3, repeatWindowSeconds: 86400, callWindowSeconds: 60 },
      shadow: {
        destination: { id: 'shadow', provider: 'openai', model: 'gpt-4o-mini', secret: 's2', options: {}, weight: 0, timeoutMs: 30000 },
        percent: 10,
        countBudgets: false,
        maxConcurrent: 4,
      },
    };
    const { input, errors } = endpointFromDraft(draftFromEndpoint(governed));
    assert.deepEqual(errors, {});
    assert.deepEqual(input.rateLimits, { requestsPerMinute: 5, per: 'run' });
    assert.deepEqual(input.runs, governed.runs);
    assert.deepEqual(input.loopBreaker, governed.loopBreaker);
    assert.deepEqual(input.shadow, {
      destination: { id: 'shadow', provider: 'openai', model: 'gpt-4o-mini', secret: 's2', options: {}, timeoutMs: 30000 },
      percent: 10,
      countBudgets: false,
      maxConcurrent: 4,
    });
    assert.equal(endpointFromDraft(draftFromEndpoint(stored)).input.shadow, undefined);
  });
});
