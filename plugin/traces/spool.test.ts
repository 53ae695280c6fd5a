// The spool's background fsync: appends and a rewrite (which swaps the file
// and its descriptor) while fsyncs are still running lose nothing, and the
// old descriptor is closed only once no fsync uses it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { Trace } from '../contract';
import { Spool } from './spool';

const trace = (id: string) => ({ id, time: new Date(0).toISOString(), endpoint: 'e', kind: 'chat', status: 200 }) as unknown as Trace;
const ids = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as Trace).id);

it('keeps every line through background fsyncs racing appends and a rewrite', async () => {
  const spool = new Spool({ dir: mkdtempSync(join(tmpdir(), 'spool-')), staleMs: 10_000 });
  spool.open();
  spool.append(trace('a'));
  const first = spool.syncInBackground();
  spool.append(trace('b')); // written while the fsync runs: stays marked for the next one
  spool.rewrite([trace('b')]); // swaps the descriptor under the running fsync
  spool.append(trace('c'));
  const second = spool.syncInBackground();
  await Promise.all([first, second]);
  assert.deepEqual(ids(spool.file), ['b', 'c']);
  await spool.syncInBackground(); // nothing new: resolves at once
  spool.append(trace('d'));
  await spool.syncInBackground();
  assert.deepEqual(ids(spool.file), ['b', 'c', 'd']);
  spool.close(1);
});

it('has nothing to sync before anything is written', async () => {
  const spool = new Spool({ dir: mkdtempSync(join(tmpdir(), 'spool-')), staleMs: 10_000 });
  spool.open();
  await spool.syncInBackground();
  spool.close(0);
});
