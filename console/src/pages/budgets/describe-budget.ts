import type { Budget } from '../../api/client';
import { formatCount, formatUsd } from '../../format';

export function describeScope(b: Pick<Budget, 'scope'>): string {
  const s = b.scope as { type: 'global' | 'endpoint' | 'user'; endpoint?: string; user?: string };
  if (s.type === 'global') return 'All traffic';
  if (s.type === 'endpoint') return `Endpoint ${s.endpoint}`;
  return s.user ? `User ${s.user}` : 'Each user separately';
}

export function describeWindow(b: Pick<Budget, 'window'>): string {
  const { size, unit } = b.window;
  return size === 1 ? `per ${unit.replace(/s$/, '')}` : `per ${size} ${unit}`;
}

export function formatAmount(unit: Budget['unit'], value: number): string {
  return unit === 'usd' ? formatUsd(value) : `${formatCount(Math.round(value))} tokens`;
}

/** Per-user budgets without a fixed user have one window per user: the spend needs a user to show. */
export function needsUser(b: Pick<Budget, 'scope'>): boolean {
  const s = b.scope as { type: string; user?: string };
  return s.type === 'user' && !s.user;
}
