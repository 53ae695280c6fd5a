// The spool's background fsync: appends and a rewrite (which swaps the file
// and its descriptor) while fsyncs are still running lose nothing, and the
// old descriptor is closed only once no fsync uses it.
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
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
const spoolFiles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('traces-'));

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

// Compaction runs every trace flush; its file operations stay off the event
// loop (a truncate there stalled every request of the data worker).
it('compacts into a fresh file with what is undelivered, appends made meanwhile included, without a blocking file operation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  const spool = new Spool({ dir, staleMs: 10_000 });
  spool.open();
  const queue = [trace('a'), trace('b'), trace('c')];
  for (const t of queue) spool.append(t);
  const before = spool.file;
  queue.splice(0, 2); // a and b delivered
  const blocking = ['openSync', 'closeSync', 'ftruncateSync', 'truncateSync', 'renameSync', 'unlinkSync', 'rmSync', 'fdatasyncSync', 'fsyncSync'] as const;
  const saved = blocking.map((name) => [name, fs[name]] as const);
  for (const name of blocking) (fs as unknown as Record<string, unknown>)[name] = () => assert.fail(`compaction called fs.${name}`);
  let compacted: Promise<void>;
  try {
    compacted = spool.compact(() => queue);
    const d = trace('d');
    spool.append(d); // arrives while the new file is being opened
    queue.push(d);
    await compacted;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the old file's unlink callback
  } finally {
    for (const [name, fn] of saved) (fs as unknown as Record<string, unknown>)[name] = fn;
  }
  assert.notEqual(spool.file, before);
  assert.deepEqual(ids(spool.file), ['c', 'd']);
  assert.equal(spool.lines, 2);
  assert.deepEqual(spoolFiles(dir), [basename(spool.file)], 'the old file is gone');
  spool.append(trace('e'));
  await spool.syncInBackground();
  assert.deepEqual(ids(spool.file), ['c', 'd', 'e']);
  spool.close(3);
});

it('a spool closed while it compacts leaves no fresh file behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  const spool = new Spool({ dir, staleMs: 10_000 });
  spool.open();
  spool.append(trace('a'));
  const compacted = spool.compact(() => []);
  spool.close(0); // everything delivered: the file is removed
  await compacted;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(spoolFiles(dir), []);
});
