import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ConfigSnapshot } from '../contract';
import { writeSealed } from './sealed-file';
import { ConfigStore } from './store';

const TOKEN = 'dp-token-for-the-store-test';
const snapshotOf = (version: number): ConfigSnapshot => ({ version, generatedAt: new Date(0).toISOString(), endpoints: [], budgets: [] });

/** A control plane answering GET snapshot with `version` (304 to a long poll that already has it, after `wait`). */
async function controlPlane(version: number): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.url} ${req.headers['if-none-match'] ?? ''} ${req.headers.authorization}`);
    if (req.headers['if-none-match'] === `"${version}"`) {
      setTimeout(() => res.writeHead(304).end(), 200);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag: `"${version}"` }).end(JSON.stringify(snapshotOf(version)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

async function sealedCache(version: number): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'store-test-')), 'config.sealed');
  await writeSealed(file, TOKEN, snapshotOf(version));
  return file;
}

describe('config store', () => {
  const stores: ConfigStore[] = [];
  const servers: Server[] = [];
  after(() => {
    for (const s of stores) s.stop();
    for (const s of servers) s.closeAllConnections();
    for (const s of servers) s.close();
  });
  const storeFor = (controlPlaneUrl: string, cacheFile: string) => {
    const store = new ConfigStore({ controlPlaneUrl, token: TOKEN, timeoutMs: 1_000, waitSeconds: 1, cacheFile });
    stores.push(store);
    return store;
  };

  it('asks the control plane at once and ends on its answer, never on the older sealed copy read meanwhile', async () => {
    const cp = await controlPlane(7);
    servers.push(cp.server);
    const store = storeFor(cp.url, await sealedCache(3));
    const seen: number[] = [];
    store.start();
    store.onChange((s) => seen.push(s.snapshot.version));
    await store.ready(2_000);
    await new Promise((r) => setTimeout(r, 300)); // the sealed copy has been read by now too
    assert.equal(store.snapshot()?.snapshot.version, 7);
    assert.equal(seen.at(-1), 7, 'the last snapshot installed is the control plane’s');
    assert.match(
      cp.requests[0]!,
      /^\/api\/v1\/dataplane\/snapshot {2}Bearer dp-token-for-the-store-test$/,
      'the first request is a plain fetch, not a long poll',
    );
  });

  it('serves the sealed copy while the control plane cannot be reached', async () => {
    const store = storeFor('http://127.0.0.1:9', await sealedCache(3));
    store.start();
    assert.equal((await store.ready(2_000))?.snapshot.version, 3);
  });

  it('tells a listener added after the first snapshot of that snapshot at once', async () => {
    const cp = await controlPlane(5);
    servers.push(cp.server);
    const store = storeFor(cp.url, join(mkdtempSync(join(tmpdir(), 'store-test-')), 'none.sealed'));
    store.start();
    await store.ready(2_000);
    const seen: number[] = [];
    store.onChange((s) => seen.push(s.snapshot.version));
    assert.deepEqual(seen, [5]);
  });
});
