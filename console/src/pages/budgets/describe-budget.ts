import type { Budget } from '../../api/client';
import { formatCount, formatUsd } from '../../format';

export function describeScope(b: Pick<Budget, 'scope'>): string {
  const s = b.scope as { type: 'global' | 'endpoint' | 'user' | 'run'; endpoint?: string; user?: string };
  if (s.type === 'global') return 'All traffic';
  if (s.type === 'endpoint') return `Endpoint ${s.endpoint}`;
  if (s.type === 'run') return s.endpoint ? `Each agent run on ${s.endpoint}` : 'Each agent run';
  return s.user ? `User ${s.user}` : 'Each user separately';
}

export function describeWindow(b: Pick<Budget, 'window' | 'scope'>): string {
  const { size, unit } = b.window;
  if (b.scope.type === 'run') return `per run (closes ${size} ${size === 1 ? unit.replace(/s$/, '') : unit} after its first request)`;
  return size === 1 ? `per ${unit.replace(/s$/, '')}` : `per ${size} ${unit}`;
}

export function formatAmount(unit: Budget['unit'], value: number): string {
  if (unit === 'usd') return formatUsd(value);
  return `${formatCount(Math.round(value))} ${unit === 'calls' ? 'calls' : 'tokens'}`;
}

/** Run-scoped budgets have one window per agent run: the spend needs a run id to show. */
export function needsRun(b: Pick<Budget, 'scope'>): boolean {
  return b.scope.type === 'run';
}

/** Per-user budgets without a fixed user have one window per user: the spend needs a user to show. */
export function needsUser(b: Pick<Budget, 'scope'>): boolean {
  const s = b.scope as { type: string; user?: string };
  return s.type === 'user' && !s.user;
}
