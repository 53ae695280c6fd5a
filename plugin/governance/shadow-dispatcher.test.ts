// The dispatcher's bounds, without the rest of the gateway: sampling by the
// endpoint's percent, at most maxConcurrent shadow calls in flight (the rest
// skipped and traced, never queued), and shutdown cutting what still runs.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BudgetGuard } from '../budget';
import type { Endpoint, Trace } from '../contract';
import type { ChatSink } from '../ingress/contract';
import type { TraceRecorder } from '../pipeline/trace-recorder';
import type { TraceShipper } from '../traces/shipper';
import { ShadowDispatcher } from './shadow-dispatcher';

let hanging: http.Server;
let url = '';
const held: http.ServerResponse[] = [];

before(async () => {
  hanging = http.createServer((req, res) => {
    req.resume();
    held.push(res); // never answers
  });
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1`;
});
after(async () => {
  for (const res of held) res.destroy();
  hanging.closeAllConnections();
  await new Promise((r) => hanging.close(r));
});

const endpoint = (percent: number, maxConcurrent: number): Endpoint => ({
  id: 'e',
  name: 'e',
  kind: 'chat',
  version: 1,
  destinations: [],
  fallback: { chain: [], maxAttempts: 1, triggers: [] },
  logPayloads: false,
  shadow: {
    destination: {
      id: 'shadow',
      provider: 'openai',
      model: 'gpt-4o-mini',
      credentials: { apiKey: 'sk-x' },
      options: { baseUrl: url },
      weight: 0,
      timeoutMs: 600_000,
    },
    percent,
    countBudgets: false,
    maxConcurrent,
  },
});

const primary = (id: string): Trace => ({
  id,
  time: new Date().toISOString(),
  endpoint: 'e',
  kind: 'chat',
  user: 'u',
  ingress: 'openai',
  stream: false,
  status: 200,
  attempts: [],
  latencyMs: 5,
  overheadMs: 1,
});

const sink: ChatSink = { error() {}, completion() {}, open() {}, chunk() {}, close() {}, streamError() {} };
const request = { model: 'e', max_tokens: 7, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('ShadowDispatcher', () => {
  it('samples by percent', () => {
    let r = 0;
    const values = [0.05, 0.29, 0.3, 0.99];
    const d = new ShadowDispatcher({ budget: {} as BudgetGuard, shipper: { enqueue() {} } as unknown as TraceShipper, random: () => values[r++]! });
    assert.deepEqual(
      values.map(() => !!d.sample(endpoint(30, 1), request)),
      [true, true, false, false],
    );
    assert.equal(d.sample(endpoint(100, 1), undefined), undefined, 'only chat requests');
  });

  it('keeps at most maxConcurrent in flight, skips (and traces) the rest, and cuts the rest at shutdown', async () => {
    const shipped: Trace[] = [];
    const exported: Array<[Trace, TraceRecorder]> = [];
    const d = new ShadowDispatcher({
      budget: {} as BudgetGuard,
      shipper: { enqueue: (t: Trace) => shipped.push(t) } as unknown as TraceShipper,
      telemetry: { export: (t, recorder) => exported.push([t, recorder]) },
      random: () => 0,
    });
    const e = endpoint(100, 2);
    for (let i = 0; i < 5; i++) {
      const ticket = d.sample(e, request)!;
      const watched = ticket.watch(sink);
      await watched.completion(
        {
          id: 'c',
          object: 'chat.completion',
          created: 0,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'yo' }, finish_reason: 'stop' }],
        },
        {},
      );
      assert.equal(ticket.answered({ answered: true, status: 200 }), true);
      ticket.launch(primary(`p${i}`), [], (t) => t);
    }
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(d.active(), 2);
    assert.deepEqual(
      shipped.map((t) => [t.shadowOf, t.status, t.errorCode, t.provider, t.model]),
      [
        ['p2', 503, 'shadow_busy', 'openai', 'gpt-4o-mini'],
        ['p3', 503, 'shadow_busy', 'openai', 'gpt-4o-mini'],
        ['p4', 503, 'shadow_busy', 'openai', 'gpt-4o-mini'],
      ],
    );
    await d.stop(50);
    assert.equal(d.active(), 0);
    assert.equal(shipped.length, 5, 'the cut calls leave their traces too');
    assert.deepEqual(
      shipped
        .slice(3)
        .map((t) => t.shadowOf)
        .sort(),
      ['p0', 'p1'],
    );
    assert.ok(shipped.slice(3).every((t) => t.status >= 400 && !t.comparison));
    assert.deepEqual(
      exported.map(([t, r]) => [t.shadowOf, r.start.params?.maxTokens, t.attempts.length]).sort(),
      [
        ['p0', 7, 1],
        ['p1', 7, 1],
      ],
      'the calls that ran are exported to OpenTelemetry with their parameters (skipped ones made no call)',
    );
    assert.equal(d.sample(e, request), undefined, 'nothing is sampled after shutdown');
  });
});
