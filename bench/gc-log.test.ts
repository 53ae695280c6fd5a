import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readGcLogs } from './gc-log';

// A process that loads the logger as the bench's stack does (--require) and
// collects on its main thread (in full) and in a worker thread (young only).
const CHILD = `
const { Worker } = require('node:worker_threads');
globalThis.gc();
const w = new Worker("globalThis.gc({ type: 'minor' })", { eval: true });
w.on('exit', () => process.exit(0));
`;

test('every thread of a process that loads the logger has its collections logged and labelled', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-log-test-'));
  const script = path.join(dir, 'collector.js');
  fs.writeFileSync(script, CHILD);
  const child = spawnSync(process.execPath, ['--expose-gc', '--require', 'tsx/cjs', '--require', path.join(__dirname, 'gc-log.ts'), script], {
    env: { ...process.env, BENCH_GC_LOG_DIR: dir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const logs = readGcLogs(dir);
  const main = logs.find((l) => l.label === `collector.js ${child.pid}`);
  // Its thread id is not always 1: a loader may start threads of its own first.
  const worker = logs.find((l) => l.label.startsWith(`collector.js ${child.pid} thread `) && l.entries.some((e) => e.kind === 'minor' && e.forced));
  assert.ok(main, `main thread logged: ${logs.map((l) => l.label).join(', ')}`);
  assert.ok(worker, `worker thread logged: ${logs.map((l) => l.label).join(', ')}`);
  assert.ok(main.entries.some((e) => e.kind === 'major' && e.forced));
  // On the monotonic clock of process.hrtime, as tail-probe's requests.
  const now = Number(process.hrtime.bigint()) / 1e6;
  for (const e of [...main.entries, ...worker.entries]) assert.ok(e.at > now - 60_000 && e.at <= now, `${e.at} against ${now}`);
});
