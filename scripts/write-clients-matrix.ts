// `npm run clients:matrix`: writes the real-client matrix from the last run
// of test/e2e/clients (.cache/clients-matrix.json) into docs/clients.md and
// between the markers in README.md. The tables only ever show what a run
// produced.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CellOutcome, Mode } from '../test/e2e/clients/cells';

interface MatrixResult {
  generatedAt: string;
  commit?: string;
  totalSeconds: number;
  clientsSeconds: number;
  columns: Array<{ id: string; label: string; modes: Mode[] }>;
  providers: string[];
  cells: CellOutcome[];
}

// Compiled into dist/scripts/ or run from scripts/ with tsx.
const ROOT = resolve(__dirname, __dirname.split(/[\\/]/).includes('dist') ? '../..' : '..');
const START = '<!-- clients-matrix:start -->';
const END = '<!-- clients-matrix:end -->';
const SYMBOL: Record<CellOutcome['status'], string> = { pass: 'pass', fail: '**FAIL**', known: 'fail', 'n/a': 'n/a' };

/** One row per client and mode, one column per provider; reasons numbered below. */
export function renderMatrix(result: MatrixResult): string {
  const reasons: string[] = [];
  const note = (reason: string): string => {
    let i = reasons.indexOf(reason);
    if (i < 0) i = reasons.push(reason) - 1;
    return `[${i + 1}]`;
  };
  const cell = (id: string): string => {
    const c = result.cells.find((x) => x.id === id);
    if (!c) return '';
    return c.status === 'pass' ? SYMBOL.pass : `${SYMBOL[c.status]} ${note(c.reason ?? '')}`;
  };
  const lines = [`| client | mode | ${result.providers.join(' | ')} |`, `|---|---|${result.providers.map(() => '---').join('|')}|`];
  for (const column of result.columns) {
    for (const mode of column.modes) {
      lines.push(
        `| ${column.label} | ${mode.stream ? 'stream' : 'whole'}: \`${mode.label}\` | ${result.providers.map((p) => cell(`${column.id}/${mode.id}/${p}`)).join(' | ')} |`,
      );
    }
  }
  const named: Record<CellOutcome['status'], string> = { pass: 'pass', known: 'fail for a known reason', fail: 'fail unexpectedly', 'n/a': 'n/a' };
  const counts = (['pass', 'known', 'fail', 'n/a'] as const).map((s) => `${result.cells.filter((c) => c.status === s).length} ${named[s]}`).join(', ');
  return [
    `Last run: ${result.generatedAt.slice(0, 16).replace('T', ' ')} UTC${result.commit ? ` at \`${result.commit}\`` : ''}; ${counts}; ` +
      `the clients ran for ${result.clientsSeconds} s (${result.totalSeconds} s with the stack).`,
    'pass: every check of the cell holds; fail [n]: fails for the numbered known reason (fixed elsewhere, the cell runs as todo); ' +
      '**FAIL**: an unexpected failure; n/a: the gateway API the client needs does not exist yet.',
    '',
    ...lines,
    '',
    ...reasons.map((r, i) => `${i + 1}. ${r}`),
  ].join('\n');
}

function main(): void {
  const result = JSON.parse(readFileSync(resolve(ROOT, '.cache/clients-matrix.json'), 'utf8')) as MatrixResult;
  const table = renderMatrix(result);
  const docPath = resolve(ROOT, 'docs/clients.md');
  const doc = readFileSync(docPath, 'utf8');
  writeFileSync(docPath, replaceBetweenMarkers(doc, table));
  const readmePath = resolve(ROOT, 'README.md');
  writeFileSync(readmePath, replaceBetweenMarkers(readFileSync(readmePath, 'utf8'), table));
  console.log(`wrote the client matrix (${result.cells.length} cells) into docs/clients.md and README.md`);
}

function replaceBetweenMarkers(text: string, content: string): string {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`markers ${START} ... ${END} not found`);
  return `${text.slice(0, a + START.length)}\n${content}\n${text.slice(b)}`;
}

if (require.main === module) main();
