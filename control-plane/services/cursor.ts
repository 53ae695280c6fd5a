// Opaque cursors for "newest first" listings: (time, id) of the last item,
// base64url-encoded so clients cannot depend on the format.
import { badRequest } from '../errors';

export interface TimeCursor {
  time: Date;
  id: string;
}

export function encodeCursor(c: TimeCursor): string {
  return Buffer.from(JSON.stringify([c.time.toISOString(), c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string): TimeCursor {
  try {
    const [time, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(time);
    if (typeof id !== 'string' || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { time: date, id };
  } catch {
    throw badRequest('invalid_cursor', 'cursor: is not a cursor returned by this API');
  }
}

/** Filter selecting items strictly after the cursor in (time desc, _id desc) order. */
export function afterCursor(c: TimeCursor) {
  return { $or: [{ time: { $lt: c.time } }, { time: c.time, _id: { $lt: c.id } }] };
}
