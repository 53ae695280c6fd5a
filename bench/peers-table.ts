// The side-by-side table of the `peers` scenario, printed by `npm run bench`
// and written between markers into bench/RESULTS.md and README.md (only by a
// full run), so the committed numbers are always the last measured ones.
import fs from 'node:fs';
import path from 'node:path';
import { fmt, ROOT } from './lib';
import type { PeerStatus } from './peers';

interface P {
  p50: number;
  p90: number;
  p99: number;
}
interface Run {
  concurrency: number;
  target: string;
  rps?: number;
  non2xx: number;
  latencyMs: P;
  addedMs: P;
}
export interface PeersResult {
  startedAt?: string;
  machine?: { loadAverage?: Record<string, number>; cores?: number; node?: string };
  peers: PeerStatus[];
  runs: Run[];
}

/** A Markdown table: one row per target, c=1 added p50/p99 and c=N req/s with added p50/p99. */
export function peersTable(r: PeersResult): string {
  const c1 = r.runs.filter((x) => x.concurrency === 1);
  const cN = r.runs.filter((x) => x.concurrency !== 1);
  const n = cN[0]?.concurrency ?? 50;
  const rows = c1.map((one) => {
    const many = cN.find((x) => x.target === one.target);
    const status = r.peers.find((p) => p.name === one.target);
    const label = status ? `${one.target} ${status.version ?? ''}`.trim() : one.target;
    const bad = one.non2xx || many?.non2xx ? ` (non-2xx ${one.non2xx}/${many?.non2xx ?? 0})` : '';
    return `| ${label}${bad} | ${fmt(one.addedMs.p50)} / ${fmt(one.addedMs.p99)} | ${many ? `${fmt(Math.round(many.rps!))}` : '-'} | ${many ? `${fmt(many.addedMs.p50)} / ${fmt(many.addedMs.p99)}` : '-'} |`;
  });
  const missing = r.peers.filter((p) => !p.available).map((p) => `- ${p.name}: not measured (${p.reason})`);
  const load = r.machine?.loadAverage ? `; 1-min load ${r.machine.loadAverage['1m']} on ${r.machine.cores} cores before the scenario` : '';
  // The plugin server runs on the bench's Node, and what it speaks to providers depends on it (README: HTTP/2 to providers).
  const node = r.machine?.node ? `; plugin server on Node ${r.machine.node.replace(/^v/, '')}` : '';
  return [
    `Side by side, added over calling the fake provider directly (ms; ${r.startedAt?.slice(0, 10) ?? ''}${node}${load})`,
    '',
    `| target | c=1 added p50 / p99 | c=${n} req/s | c=${n} added p50 / p99 |`,
    '|---|---|---|---|',
    ...rows,
    ...(missing.length ? ['', ...missing] : []),
  ].join('\n');
}

const BEGIN = '<!-- peers-table:begin (npm run bench writes this) -->';
const END = '<!-- peers-table:end -->';

/** Replaces the marked section of each file (appends one to RESULTS.md if absent); returns the files written. */
export function writePeersTables(r: PeersResult, files = ['bench/RESULTS.md', 'README.md']): string[] {
  const written: string[] = [];
  for (const f of files) {
    const file = path.join(ROOT, f);
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const block = `${BEGIN}\n${peersTable(r)}\n${END}`;
    const a = text.indexOf(BEGIN);
    const b = text.indexOf(END);
    let next: string;
    if (a >= 0 && b > a) next = text.slice(0, a) + block + text.slice(b + END.length);
    else if (f.endsWith('RESULTS.md')) next = `${text.trimEnd()}\n\n## Peers, side by side (\`peers\` scenario)\n\n${block}\n`;
    else continue;
    fs.writeFileSync(file, next);
    written.push(f);
  }
  return written;
}
