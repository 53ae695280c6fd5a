// The real-client conformance matrix: every client column (columns.ts) in
// each of its modes against an endpoint for every provider row
// (../conformance/providers.ts), each cell a two-turn conversation with a
// tool round trip (cells.ts, python/conversation.py). All columns run at
// once (one Python process per Python client), then every cell is checked
// (check-cell.ts) and the outcome is written to .cache/clients-matrix.json,
// from which `npm run clients:matrix` writes docs/clients.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Trace } from '../../../plugin/contract';
import { PROVIDERS } from '../conformance/providers';
import { cityFor, markerFor, type Cell, type CellOutcome, type CellRun } from './cells';
import { cellRequests, checkCell } from './check-cell';
import { COLUMNS, type Column } from './columns';
import { knownIssue } from './known-issues';
import { allTraces, endpointName, startMatrixStack, type MatrixStack } from './matrix-stack';
import { ToolLog } from './node-clients';
import { startPython } from './run-python';

const ROOT = resolve(__dirname, '../../..');
export const RESULT_FILE = resolve(ROOT, '.cache/clients-matrix.json');

let n = 0;
const CELLS: Cell[] = COLUMNS.flatMap((column) =>
  column.modes.flatMap((mode) =>
    PROVIDERS.map((row) => {
      n++;
      return {
        id: `${column.id}/${mode.id}/${row.id}`,
        column: column.id,
        mode: mode.id,
        stream: mode.stream,
        provider: row.id,
        api: column.api,
        model: endpointName(column.id, row.id),
        city: cityFor(n),
        follow_cities: [cityFor(n + 1), cityFor(n + 2)],
        marker: markerFor(n),
      };
    }),
  ),
);

let matrix: MatrixStack;
const runs = new Map<string, CellRun>();
const outcomes = new Map<string, CellOutcome>();
const notApplicable = new Map<string, string>();
let traces: Trace[] = [];
let startedAt = 0;
let runSeconds = 0;

async function runColumn(column: Column, cells: Cell[]): Promise<void> {
  const urls = { openai: matrix.stack.openaiBaseUrl, anthropic: matrix.stack.anthropicBaseUrl };
  if ('python' in column.runner) {
    const plan = { ...column.runner.plan, openai_base_url: urls.openai, anthropic_base_url: urls.anthropic, cells };
    const python = startPython(column.runner.python, plan);
    const failure = await python.done.then(
      () => undefined,
      (err: unknown) => String(err),
    );
    for (const r of python.results) runs.set(r.id, r);
    if (failure) for (const c of cells) if (!runs.has(c.id)) runs.set(c.id, { id: c.id, tool_calls: [], answers: [], error: failure });
    return;
  }
  for (const cell of cells) {
    const log = new ToolLog();
    const t0 = performance.now();
    try {
      const answers = await column.runner.node(cell, urls, log);
      runs.set(cell.id, { id: cell.id, tool_calls: log.calls, answers, seconds: (performance.now() - t0) / 1000 });
    } catch (err) {
      runs.set(cell.id, { id: cell.id, tool_calls: log.calls, answers: [], error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  }
}

before(async () => {
  execFileSync('bash', [resolve(ROOT, 'scripts/clients-env.sh')], { stdio: 'ignore' });
  startedAt = performance.now();
  matrix = await startMatrixStack(
    PROVIDERS,
    COLUMNS.map((c) => c.id),
  );
  for (const column of COLUMNS) {
    if (column.needs === 'responses' && !matrix.servesResponses)
      notApplicable.set(column.id, 'the gateway has no Responses API yet (POST /gateway/openai/v1/responses, issue 10)');
  }
  const t0 = performance.now();
  await Promise.all(
    COLUMNS.filter((c) => !notApplicable.has(c.id)).map((column) =>
      runColumn(
        column,
        CELLS.filter((c) => c.column === column.id),
      ),
    ),
  );
  runSeconds = (performance.now() - t0) / 1000;
  const calls = CELLS.reduce((sum, cell) => sum + cellRequests(matrix.fakes.get(cell.provider)!.requests, cell).length, 0);
  traces = await allTraces(matrix.stack, calls);
});

after(async () => {
  await matrix?.close();
  const result = {
    generatedAt: new Date().toISOString(),
    commit: gitCommit(),
    totalSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
    clientsSeconds: Math.round(runSeconds * 10) / 10,
    columns: COLUMNS.map((c) => ({ id: c.id, label: c.label, modes: c.modes })),
    providers: PROVIDERS.map((p) => p.id),
    cells: CELLS.map((c) => outcomes.get(c.id) ?? { id: c.id, column: c.column, mode: c.mode, provider: c.provider, status: 'fail', reason: 'not checked' }),
  };
  mkdirSync(resolve(ROOT, '.cache'), { recursive: true });
  writeFileSync(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
});

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

for (const column of COLUMNS) {
  describe(column.label, () => {
    for (const cell of CELLS.filter((c) => c.column === column.id)) {
      const issue = knownIssue(cell);
      test(cell.id, { todo: issue }, (t) => {
        const na = notApplicable.get(column.id);
        const base = { id: cell.id, column: cell.column, mode: cell.mode, provider: cell.provider };
        if (na) {
          outcomes.set(cell.id, { ...base, status: 'n/a', reason: na });
          t.skip(na);
          return;
        }
        const run = runs.get(cell.id);
        assert.ok(run, 'the client reported the cell');
        const row = PROVIDERS.find((p) => p.id === cell.provider)!;
        const requests = cellRequests(matrix.fakes.get(cell.provider)!.requests, cell);
        const cellTraces = traces.filter((tr) => tr.endpoint === cell.model && tr.stream === cell.stream);
        try {
          checkCell(row, cell, run, requests, cellTraces);
          outcomes.set(cell.id, { ...base, status: 'pass', seconds: run.seconds });
        } catch (err) {
          const reason = issue ?? (err instanceof Error ? err.message.split('\n')[0] : String(err));
          outcomes.set(cell.id, { ...base, status: issue ? 'known' : 'fail', reason, seconds: run.seconds });
          if (run.trace) t.diagnostic(run.trace);
          throw err;
        }
      });
    }
  });
}
