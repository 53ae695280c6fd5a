import crypto from 'node:crypto';
import type { Models } from '../models';
import { parseTime } from './parse-time';
import type { AuditEntryDoc } from '../models/audit-entry.model';
import type { Actor } from './actor';
import type { AuditChange } from './audit-diff';
import { afterCursor, decodeCursor, encodeCursor } from './cursor';

export interface AuditQuery {
  actor?: string;
  targetType?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

const toApi = (d: AuditEntryDoc) => ({
  id: d._id,
  time: d.time.toISOString(),
  actor: d.actor,
  role: d.role,
  action: d.action,
  target: d.target,
  ...(d.summary ? { summary: d.summary } : {}),
  ...(d.changes?.length ? { changes: d.changes } : {}),
  ...(d.requestId ? { requestId: d.requestId } : {}),
});

let sequence = 0;
/** Time-ordered ids, so entries written in the same millisecond still list newest first. */
function auditId(time: Date): string {
  sequence = (sequence + 1) % 0x1000000;
  return time.getTime().toString(16).padStart(12, '0') + sequence.toString(16).padStart(6, '0') + crypto.randomBytes(4).toString('hex');
}

export class AuditService {
  constructor(private readonly models: Models) {}

  /** Callers pass only names, ids, versions and changes from audit-diff.ts, never secret values. */
  async record(actor: Actor, action: string, target: AuditEntryDoc['target'], summary?: string, changes?: AuditChange[]): Promise<void> {
    const time = new Date();
    await this.models.auditEntries.create({
      _id: auditId(time),
      time,
      actor: actor.sub,
      role: actor.role,
      action,
      target,
      summary,
      ...(changes?.length ? { changes } : {}),
      requestId: actor.requestId,
    });
  }

  async list(q: AuditQuery) {
    const and: object[] = [];
    if (q.actor) and.push({ actor: q.actor });
    if (q.targetType) and.push({ 'target.type': q.targetType });
    if (q.from) and.push({ time: { $gte: parseTime('from', q.from) } });
    if (q.to) and.push({ time: { $lt: parseTime('to', q.to) } });
    if (q.cursor) and.push(afterCursor(decodeCursor(q.cursor)));
    const docs = await this.models.auditEntries
      .find(and.length ? { $and: and } : {})
      .sort({ time: -1, _id: -1 })
      .limit(q.limit + 1)
      .lean<AuditEntryDoc[]>();
    const page = docs.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toApi),
      nextCursor: docs.length > q.limit && last ? encodeCursor({ time: last.time, id: last._id }) : null,
    };
  }
}
