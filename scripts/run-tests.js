#!/usr/bin/env node
// Runs every *.test.ts under the source folders with Node's test runner
// (TypeScript through tsx). Extra arguments narrow the run to paths that
// contain any of them: `npm test -- providers/anthropic`.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const roots = ['plugin', 'control-plane', 'local', 'test', 'scripts', 'bench', 'console'];

function collect(dir, out) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) collect(full, out);
    } else if (entry.name.endsWith('.test.ts')) {
      out.push(path.relative(root, full));
    }
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => collect(path.join(root, r), []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

// One fresh FerretDB for the whole run (unless MONGODB_URI points at a
// database already); each test file picks its own database name on it
// (test/helpers/db.ts), so files stay isolated.
async function startDatabase() {
  if (process.env.MONGODB_URI) return { uri: process.env.MONGODB_URI, stop: async () => {} };
  const compiled = path.join(root, 'dist', 'control-plane', 'loaders', 'ferretdb.js');
  if (!fs.existsSync(compiled)) {
    console.error('run-tests: dist/control-plane/loaders/ferretdb.js is missing (run `npm run build`); tests needing a database will fail');
    return { uri: undefined, stop: async () => {} };
  }
  const dataDir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'gateway-test-db-'));
  try {
    const db = await require(compiled).startFerretDB({ dataDir });
    return {
      uri: db.uri,
      stop: async () => {
        await db.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    console.error(`run-tests: could not start FerretDB (${err.message}); tests needing a database will fail`);
    return { uri: undefined, stop: async () => {} };
  }
}

// Files that assert nothing about timing run in a second lane beside the
// others, one after another: the schemathesis fuzz (~3 minutes of mostly
// Python CPU against a process of its own), then the rollups-against-a-
// recount suite (~4-5 minutes of reads and builds on a database of its
// own). Their output is printed when both lanes end.
const BESIDE = ['test/control-plane/fuzz.test.ts', 'test/control-plane/usage-rollups.test.ts'];
// The suites that time restarts, bursts and faults (npm start, budgets across
// nodes, chaos, the e2e and governance suites) run alone: after the rest of
// the first lane and after the second lane has ended (chaos once counted
// Kong's 500s during a plugin-server restart slowed by the rollups suite).
const ALONE = ['local/start.test.ts', 'test/budget/', 'test/chaos/', 'test/e2e/', 'test/governance/'];

// The plugin's and the control plane's own tests, and the rollups-against-a-
// recount suite, run on the current LTS too, when scripts/node-env.sh has put
// it here: both are deployed on the Node the operator has, and Node 24 changed
// what they relied on (its shared Buffer slab, bench/RESULTS.md §39; of the
// suites, only the rollups one found the control plane's hang). The
// plugin's after the rest of the first lane, the others after the lane
// beside it, in the same way.
const NODE_LTS = path.join(root, '.cache', 'node-24', 'bin', 'node');
// And the provider over TLS end to end: HTTP/2 to providers exists only there (undici 8).
const ON_LTS_TOO = ['test/control-plane/usage-rollups.test.ts', 'test/e2e/provider-tls.test.ts'];
const onLts = (f) => f.startsWith('plugin/') || f.startsWith('control-plane/') || ON_LTS_TOO.includes(f);

// Every lane's report passes through here: printed as it comes (or, for the lane beside the others, kept
// and printed when the lanes end), and its failures printed again at the very end, where a CI log that
// keeps only its tail still shows them. (A reporter writing into a file loses its closing summary.)
const failures = [];

// No test runs past 20 minutes (the longest take 3-4 here); on Node 20 that bounds each file's process too,
// which ends a file whose failed test left something running (a request loop, a timer) instead of waiting
// for ever. Node 24 does not end such a file, so no lane runs past 45 minutes either: its whole process
// group is ended and the lane fails. (Not --test-force-exit: it ended files' processes before all their
// results had been reported; a clean-clone run reported 46 fewer tests, and passed.)
const TEST_LIMIT_MS = 20 * 60_000;
const LANE_LIMIT_MS = 45 * 60_000;

function runLane(lane, env, { hold = false, node = process.execPath } = {}) {
  const child = spawn(node, ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${TEST_LIMIT_MS}`, '--test-reporter=spec', ...lane], {
    cwd: root,
    stdio: ['inherit', 'pipe', 'inherit'],
    env,
    detached: true, // its own process group, so that the test files' processes end with it
  });
  const kill = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const limit = setTimeout(() => {
    const message = `run-tests: a lane ran past ${LANE_LIMIT_MS / 60_000} minutes; ending it: ${lane.join(' ')}`;
    console.error(message);
    failures.push(message);
    kill('SIGKILL');
  }, LANE_LIMIT_MS);
  let text = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    text += chunk;
    if (!hold) process.stdout.write(chunk);
  });
  const done = new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(limit);
      // Only a lane that failed: a passing one lists its todo tests there too.
      const at = text.indexOf('failing tests:');
      if (code !== 0 && at >= 0) failures.push(text.slice(at));
      resolve(code ?? 1);
    }),
  );
  return { child: { kill }, done, text: () => text };
}

/** Runs of [files, node] one after another, their reports kept: an exit code, the reports, and a child to forward signals to. */
function runInTurn(steps, env, hold) {
  let current;
  let stopped = false;
  let text = '';
  const done = (async () => {
    let code = 0;
    for (const [files, node] of steps) {
      if (files.length === 0 || stopped) continue;
      current = runLane(files, env, { hold, node });
      const result = await current.done;
      text += current.text();
      if (code === 0) code = result;
    }
    return code;
  })();
  return { child: { kill: (signal) => ((stopped = true), current?.child.kill(signal)) }, done, text: () => text };
}

async function main() {
  const db = await startDatabase();
  // Fake providers and webhook receivers listen on loopback, which production refuses by default.
  const env = {
    GATEWAY_OUTBOUND_ALLOW: 'loopback',
    LLM_GATEWAY_OUTBOUND_ALLOW: 'loopback',
    ...process.env,
    NODE_ENV: 'test',
    ...(db.uri ? { MONGODB_URI: db.uri } : {}),
  };
  const beside = files.filter((f) => BESIDE.includes(f));
  const alone = files.filter((f) => ALONE.some((prefix) => f.startsWith(prefix)));
  const rest = files.filter((f) => !BESIDE.includes(f) && !alone.includes(f));
  const lanes = [];
  const ltsHere = fs.existsSync(NODE_LTS);
  const lts = ltsHere && !process.version.startsWith('v24.') ? files.filter(onLts) : [];
  if (!ltsHere && files.some(onLts))
    console.log(
      `run-tests: ${path.relative(root, NODE_LTS)} is missing (bash scripts/node-env.sh): the plugin's and control plane's tests and the rollups suite run on ${process.version} only`,
    );
  // The plugin's files on Node 24 follow the rest of the first lane, the others the lane beside it: the two
  // lanes then end about together (a clean-clone CI run: 679 s against 508 + 352 s when all followed the second).
  const ltsAfterRest = rest.length > 0 ? lts.filter((f) => f.startsWith('plugin/')) : [];
  const ltsBeside = lts.filter((f) => !ltsAfterRest.includes(f));
  if (beside.length > 0 || ltsBeside.length > 0) {
    // Alone, the lane prints as it goes; beside the others, when the lanes end.
    const hold = rest.length > 0;
    const again = ltsBeside.length > 0 ? [`${ltsBeside.length} test files again on Node 24 (the control plane's, the rollups suite)`] : [];
    lanes.push({ files: [...beside, ...again], hold, ...runInTurn([[beside], [ltsBeside, NODE_LTS]], env, hold) });
  }
  if (rest.length > 0) lanes.push({ files: rest, ...runInTurn([[rest], [ltsAfterRest, NODE_LTS]], env, false) });
  let stopped = false;
  const forward = (signal) => {
    stopped = true;
    lanes.forEach((l) => l.child.kill(signal));
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const codes = await Promise.all(lanes.map((l) => l.done));
  for (const lane of lanes) {
    if (!lane.hold) continue;
    console.log(`\n== beside the others: ${lane.files.join(', ')}`);
    process.stdout.write(lane.text());
  }
  if (alone.length > 0 && !stopped) {
    console.log(`\n== alone: ${alone.length} files`);
    const last = runLane(alone, env);
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.on('SIGINT', () => last.child.kill('SIGINT'));
    process.on('SIGTERM', () => last.child.kill('SIGTERM'));
    codes.push(await last.done);
  }
  await db.stop();
  printFailuresAgain();
  process.exit(codes.find((c) => c !== 0) ?? 0);
}

function printFailuresAgain() {
  for (const text of failures) console.log(`\n== again, the failures of a lane:\n${text}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
