// Runs scripts/schemathesis.sh (property-based fuzzing of every operation in
// openapi.yaml against a live control plane) as part of `npm test`.
// FUZZ_SKIP=1 skips it (e.g. for a quick local loop).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';

const root = path.resolve(__dirname, '../..');

it('schemathesis finds no failures against openapi.yaml', { skip: process.env.FUZZ_SKIP === '1', timeout: 10 * 60_000 }, async () => {
  const child = spawn('bash', [path.join(root, 'scripts/schemathesis.sh')], { cwd: root, env: { ...process.env, FUZZ_LOG_LEVEL: 'error' } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const summary = output
    .split('\n')
    .filter((l) => /generated|No issues|failure|ST\d{3}|level":50/.test(l))
    .join('\n');
  console.log(summary);
  assert.equal(code, 0, `schemathesis failed:\n${output.slice(-20_000)}`);
});
