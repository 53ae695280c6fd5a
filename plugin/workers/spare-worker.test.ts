import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

// The built module: its spare runs dist/plugin/server/worker.js.
const SPARE_WORKER = resolve(__dirname, '../../dist/plugin/workers/spare-worker.js');

/** Loads the plugin's spare-worker module in a new process (argv as given) and reports whether a spare was kept after `afterMs`. */
async function spareAfter(afterMs: number, argv: string[] = []): Promise<{ spare: boolean; threads: number }> {
  const script = `
    const m = require(${JSON.stringify(SPARE_WORKER)});
    setTimeout(() => { console.log(JSON.stringify({ spare: m.hasSpare(), threads: m.liveWorkers.size })); m.closeSpare(); }, ${afterMs});`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, '--', ...argv], { timeout: 20_000 });
  return JSON.parse(stdout) as { spare: boolean; threads: number };
}

test('the plugin server keeps a spare worker from its start', async () => {
  assert.deepEqual(await spareAfter(50), { spare: true, threads: 1 });
});

test("Kong's plugin-info dump (a process that only prints the schema) makes no spare", async () => {
  assert.deepEqual(await spareAfter(1_000, ['--dump-all-plugins']), { spare: false, threads: 0 });
  assert.deepEqual(await spareAfter(1_000, ['-dump-plugin-info', 'llm-gateway']), { spare: false, threads: 0 });
});
