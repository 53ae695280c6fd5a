// The data plane runs in a worker thread of the plugin server. If that thread
// ends (a crash), the access phase must not keep pointing Kong at a dead port:
// the next request starts a new worker. Runs the compiled module, as Kong does.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type * as DataWorkers from '../../plugin/workers/data-workers';
import type { PluginConfig } from '../../plugin/schema';
import { TICKET_HEADER } from '../../plugin/server/tickets';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the built data workers, whose threads load dist files (not the tsx sources)
const { frontdoorFor } = require(resolve(__dirname, '../../dist/plugin/workers/data-workers.js')) as typeof DataWorkers;

const config: PluginConfig = {
  control_plane_url: 'http://127.0.0.1:9',
  dataplane_token: 't',
  control_plane_timeout_ms: 200,
  config_wait_seconds: 1,
  data_host: '127.0.0.1',
  data_port: 0,
  state_dir: mkdtempSync(join(tmpdir(), 'llmgw-worker-')),
  max_body_bytes: 1024 * 1024,
  trace_flush_ms: 1000,
  trace_spool_max: 1000,
  identify_consumer: false,
  shutdown_grace_seconds: 5,
  data_workers: 1,
  conversation_cache_mib: 64,
};

async function serves(port: number, ticket: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/gateway/openai/v1/models`, { headers: { [TICKET_HEADER]: ticket } });
  await res.arrayBuffer();
  return res.status;
}

test('a data-plane worker that has ended is replaced on the next request', { timeout: 30_000 }, async () => {
  const first = await frontdoorFor(config);
  assert.equal(await frontdoorFor(config), first, 'one worker per configuration while it lives');
  // No configuration reachable: 503 config_unavailable, which proves the ticket was accepted.
  assert.equal(await serves(first.port, first.tickets.issue({ startedAt: performance.now() })), 503);

  await first.stop(0); // the thread ends, as it would on a crash
  await assert.rejects(serves(first.port, 'x'), 'its port is closed');
  const second = await frontdoorFor(config);
  assert.notEqual(second, first);
  assert.equal(await serves(second.port, second.tickets.issue({ startedAt: performance.now() })), 503);
  assert.equal(await serves(second.port, first.tickets.issue({ startedAt: performance.now() })), 403, 'the old key means nothing to the new worker');
  await second.stop(0);
});

test('a changed plugin configuration gets a worker of its own: the old one keeps serving its tickets', { timeout: 30_000 }, async () => {
  const old = await frontdoorFor(config);
  const issuedBefore = old.tickets.issue({ startedAt: performance.now() });
  // Kong changed the plugin's config; nginx workers switch over one by one, so both are in use for a while.
  const changed = await frontdoorFor({ ...config, trace_flush_ms: 500 });
  assert.notEqual(changed.port, old.port, 'each configuration on a port of its own');
  assert.equal(await frontdoorFor(config), old, 'the old configuration was not restarted');
  assert.equal(await serves(old.port, issuedBefore), 503, 'a ticket issued before the change is still honoured');
  assert.equal(await serves(changed.port, changed.tickets.issue({ startedAt: performance.now() })), 503);
  await Promise.all([old.stop(0), changed.stop(0)]);
});
