// A Trace to and from its stored form (models/trace-store.model.ts):
// time as a Date, payloads apart, everything else one msgpack value.
import { decode, Encoder } from '@msgpack/msgpack';
import { mongo } from 'mongoose';
import type { Trace } from '../../plugin/contract';
import type { StoredPayload, StoredTrace } from '../models/trace-store.model';

/** One encoder reused (building one per call is a measurable share of ingest). */
const encoder = new Encoder({ ignoreUndefined: true });

export function encodeStoredTrace(t: Trace, time: Date, journalId: string): { doc: StoredTrace; payload?: StoredPayload } {
  const { id, time: _time, request, response, ...rest } = t;
  const hasPayload = request !== undefined || response !== undefined;
  const doc: StoredTrace = { _id: id, t: time, j: journalId, b: new mongo.Binary(encoder.encode(rest)), ...(hasPayload ? { p: true } : {}) };
  return hasPayload ? { doc, payload: { _id: id, ...(request !== undefined ? { request } : {}), ...(response !== undefined ? { response } : {}) } } : { doc };
}

/** The trace without its payloads. */
export function decodeStoredTrace(doc: StoredTrace): Trace {
  return { id: doc._id, time: doc.t.toISOString(), ...(decode(doc.b.buffer) as Omit<Trace, 'id' | 'time'>) };
}
