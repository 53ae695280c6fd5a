// The rollup thread gives what planning and merging in process give, and a
// thread that exits fails its calls instead of leaving them waiting.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Encoder } from '@msgpack/msgpack';
import type { Trace } from '../../../plugin/contract';
import type { Logger } from '../../logger';
import { planUsageRollups } from './plan-usage-rollups';
import { mergeBody } from './rollup-body';
import { CURRENT_LAYOUT, parseRollupId, type LiveRow } from './rollup-layout';
import { RollupPlanner } from './rollup-planner';

const quiet = { error: () => undefined, warn: () => undefined } as unknown as Logger;
const trace = (i: number): Trace => ({
  id: `t${i}`,
  time: new Date(Date.UTC(2031, 0, 1, 10, i % 90)).toISOString(),
  endpoint: i % 3 ? 'chat' : 'embed',
  kind: 'chat',
  user: `u${i % 7}`,
  ingress: 'openai',
  stream: i % 2 === 0,
  status: 200,
  provider: 'openai',
  model: 'gpt-4o',
  attempts: [{ destinationId: 'a', provider: 'openai', model: 'gpt-4o', status: 200, latencyMs: 100 + i }],
  usage: { promptTokens: 10, completionTokens: i, totalTokens: 10 + i },
  costUsd: 0.001,
  latencyMs: 120 + i,
  overheadMs: 1 + (i % 5),
  ...(i % 2 === 0 ? { ttftMs: 50 + i } : {}),
});

describe('RollupPlanner', () => {
  const planner = new RollupPlanner(quiet);
  after(() => planner.close());
  const traces = Array.from({ length: 2_500 }, (_, i) => trace(i));

  it('plans and merges on its thread exactly as in process, over new and stored bodies', async () => {
    const planned = await planner.plan(traces, CURRENT_LAYOUT, false);
    const local = planUsageRollups(traces, CURRENT_LAYOUT);
    assert.deepEqual([...planned.ids].sort(), [...local.keys()].sort());
    const encoder = new Encoder({ ignoreUndefined: true });
    const some = planned.ids.filter((_, i) => i % 17 === 0);
    const fresh = await planned.merge(some.map((id) => [id, null]));
    const rows = (id: string) => local.get(id) as Map<string, LiveRow>;
    some.forEach((id, i) => assert.deepEqual(fresh[i], encoder.encode(mergeBody(parseRollupId(id).family, undefined, rows(id))), id));
    // Merged again over what it gave: the stored rows count twice.
    const twice = await planned.merge(some.map((id, i) => [id, fresh[i]!]));
    some.forEach((id, i) => {
      const family = parseRollupId(id).family;
      const want = mergeBody(family, mergeBody(family, undefined, rows(id)), rows(id));
      assert.deepEqual(twice[i], encoder.encode(want), id);
    });
    planned.release();
    await assert.rejects(planned.merge([[planned.ids[0]!, null]]), /not held by this thread/);
  });

  it('merges over stored bodies as the database driver gives them, and leaves them as they were', async () => {
    const planned = await planner.plan(traces, CURRENT_LAYOUT, false);
    const some = planned.ids.filter((_, i) => i % 17 === 0);
    const bodies = await planned.merge(some.map((id) => [id, null]));
    // The driver's Buffers: small ones in Node's shared slab (which Node 24 will not transfer), larger
    // ones views of one reply.
    const reply = Buffer.concat(bodies);
    let end = 0;
    const stored = bodies.map((b) => {
      const start = end;
      end += b.byteLength;
      return b.byteLength < 2_048 ? Buffer.from(b) : reply.subarray(start, end);
    });
    assert.ok(stored.some((b) => b.byteLength < 2_048) && stored.some((b) => b.byteLength >= 2_048), 'bodies of both kinds');
    const before = stored.map((b) => Buffer.from(b));
    const merged = await planned.merge(some.map((id, i) => [id, stored[i]!]));
    const again = await planned.merge(some.map((id, i) => [id, before[i]!]));
    assert.deepEqual(merged, again);
    stored.forEach((b, i) => assert.deepEqual(b, before[i], `${some[i]} stored body changed`));
    planned.release();
  });

  it('fails the calls of a thread that exits, while sending a group or after; the next plan gets a new thread', async () => {
    const planned = await planner.plan(traces, CURRENT_LAYOUT, false);
    await planner.kill();
    assert.equal(planned.held, false);
    await assert.rejects(planned.merge([[planned.ids[0]!, null]]), /gone/);
    const sending = planner.plan(traces, CURRENT_LAYOUT, false);
    void planner.kill();
    await assert.rejects(sending, /exited|gone/);
    const again = await planner.plan(traces.slice(0, 10), CURRENT_LAYOUT, false);
    assert.equal(again.held, true);
    assert.equal((await again.merge([[again.ids[0]!, null]])).length, 1);
  });
});
