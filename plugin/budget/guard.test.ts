// The guard's settlement queue against a ledger that is down for a while: a
// small HTTP server stands in for the control plane's ledger API and refuses
// settlements until told otherwise.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BudgetPolicy, LedgerCharge } from '../contract';
import { estimateChatCost } from './estimate-cost';
import { BudgetGuard, coalesceCharges } from './guard';
import { destination, endpointOf } from '../../test/helpers/contract-fixtures';

/** Every output token costs $1: a reservation's size is its max_tokens in dollars. */
const endpoint = endpointOf([destination({ price: { inputPerMTok: 0, outputPerMTok: 1_000_000 } })]);
const alert: BudgetPolicy = {
  id: 'watch',
  name: 'watch',
  unit: 'tokens',
  limit: 1_000_000,
  window: { unit: 'days', size: 1 },
  action: 'alert',
  scope: { type: 'global' },
  failOpen: false,
  version: 1,
};

let server: http.Server;
let url: string;
let ledgerUp = false;
const delivered: LedgerCharge[][] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      if (!ledgerUp) return void res.writeHead(503).end('{}');
      delivered.push(JSON.parse(text).charges);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"expired":[]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

describe('budget guard settlement', () => {
  it('keeps alert charges through a ledger outage, merged, and delivers them once it is back', { timeout: 20_000 }, async () => {
    const guard = new BudgetGuard({ controlPlaneUrl: url, token: 't', timeoutMs: 1000, slices: true, tickMs: 50 });
    try {
      for (let i = 0; i < 300; i++) {
        const admitted = await guard.admit({
          endpoint,
          policies: [alert],
          user: 'u',
          estimate: () => estimateChatCost(endpoint, { model: 'chat', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
        });
        assert.ok(admitted.ok, 'alert budgets never block');
        guard.settle(admitted.admission, { usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 }, served: endpoint.destinations[0] });
      }
      await new Promise((r) => setTimeout(r, 300)); // a few failed flushes
      assert.equal(delivered.length, 0);
      ledgerUp = true;
      const deadline = Date.now() + 10_000;
      while (delivered.flat().reduce((n, c) => n + c.amount, 0) < 1500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const charges = delivered.flat();
      assert.equal(
        charges.reduce((n, c) => n + c.amount, 0),
        300 * 5,
        'every token charged, none twice',
      );
      assert.ok(charges.length <= 2, `merged per minute of admission (got ${charges.length} charges)`);
      assert.ok(Math.abs(charges.reduce((n, c) => n + c.usd, 0) - 300 * 2) < 1e-6, 'usd summed too');
    } finally {
      await guard.stop(500);
    }
  });

  it('merges charges per policy, subject and minute of admission only', () => {
    const c = (policyId: string, subject: string, at: string, amount: number): LedgerCharge => ({
      policyId,
      subject,
      amount,
      usd: amount / 10,
      tokens: amount,
      at,
    });
    const merged = coalesceCharges([
      c('a', '', '2024-05-15T12:00:01.000Z', 1),
      c('a', '', '2024-05-15T12:00:59.999Z', 2),
      c('a', '', '2024-05-15T12:01:00.000Z', 4),
      c('a', 'bob', '2024-05-15T12:00:02.000Z', 8),
      c('b', '', '2024-05-15T12:00:03.000Z', 16),
    ]);
    assert.deepEqual(
      merged.map((m) => [m.policyId, m.subject, m.at, m.amount, m.tokens]),
      [
        ['a', '', '2024-05-15T12:00:00.000Z', 3, 3],
        ['a', '', '2024-05-15T12:01:00.000Z', 4, 4],
        ['a', 'bob', '2024-05-15T12:00:00.000Z', 8, 8],
        ['b', '', '2024-05-15T12:00:00.000Z', 16, 16],
      ],
    );
  });
});
