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
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const status = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  await db.stop();
  process.exit(status);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
