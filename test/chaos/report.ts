// The chaos suite's results: one row per fault, as the table in
// docs/reliability.md. The suite writes them as JSON; with
// CHAOS_REPORT=docs/reliability.md it also rewrites the table there (between
// the chaos markers), so the document always shows a real run.
import { readFileSync, writeFileSync } from 'node:fs';

export interface ChaosRow {
  fault: string;
  seconds: number;
  clients: number;
  requests: number;
  served: number;
  documented: number;
  /** Documented error statuses and how often. */
  errors: Record<string, number>;
  cut: number;
  refused: number;
  /** Kong's own 500 while the plugin server was away (load.ts). */
  kong500: number;
  failed: number;
  tracesDue: number;
  tracesLost: number;
  duplicates: number;
  /** 'consistent', or what is wrong. */
  ledger: string;
}

export function renderTable(rows: ChaosRow[]): string {
  const head = '| fault | load | requests answered | cut by the fault | traces lost | duplicates | ledger |\n|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const answered = r.served + r.documented;
    const errors = Object.entries(r.errors)
      .sort()
      .map(([s, n]) => `${n}×${s}`)
      .join(', ');
    const notAnswered = [
      r.refused ? `${r.refused} refused while stopped` : '',
      r.kong500 ? `${r.kong500} Kong 500 while the plugin server was away` : '',
      r.failed ? `${r.failed} FAILED` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return [
      r.fault,
      `${r.requests} requests, ${r.clients} clients, ${r.seconds.toFixed(0)} s`,
      `${answered}/${r.requests - r.cut - r.refused - r.kong500}: ${r.served} served${r.documented ? `, ${r.documented} documented errors (${errors})` : ''}${notAnswered ? `; ${notAnswered}` : ''}`,
      String(r.cut),
      `${r.tracesLost} of ${r.tracesDue}`,
      String(r.duplicates),
      r.ledger,
    ].join(' | ');
  });
  return `${head}\n${lines.map((l) => `| ${l} |`).join('\n')}`;
}

export function writeReport(docPath: string, rows: ChaosRow[], meta: string): void {
  const doc = readFileSync(docPath, 'utf8');
  const begin = '<!-- chaos:begin -->';
  const end = '<!-- chaos:end -->';
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${docPath} has no ${begin} ... ${end} section`);
  writeFileSync(docPath, `${doc.slice(0, a + begin.length)}\n${meta}\n\n${renderTable(rows)}\n${doc.slice(b)}`);
}
