// One POST of a trace batch to the control plane, its answer classified:
// stored (with the traces it refused one by one), refused as a whole (400,
// 413: some trace in it is unacceptable; the shipper splits the batch to find
// it), or a transient failure (thrown: network, 5xx, 429, auth) that is
// retried later with every trace kept.
import { request } from '../upstream/undici-parts';
import type { Trace } from '../contract';

export type BatchAnswer = { kind: 'stored'; rejected: Map<number, string> } | { kind: 'refused'; reason: string };

export interface SendOptions {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
}

interface IngestAnswer {
  rejected?: Array<{ index: number; errors?: Array<{ field?: string; message?: string }> }>;
}

const REFUSED_AS_A_WHOLE = new Set([400, 413, 422]);

export async function sendBatch(batch: Trace[], options: SendOptions): Promise<BatchAnswer> {
  const res = await request(`${options.controlPlaneUrl.replace(/\/$/, '')}/api/v1/dataplane/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ traces: batch }),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    // A flush must never hang (one stuck batch would hold every trace behind it): bound the whole exchange.
    signal: AbortSignal.timeout(options.timeoutMs * 2),
  });
  const text = await res.body.text();
  if (REFUSED_AS_A_WHOLE.has(res.statusCode)) return { kind: 'refused', reason: `ingest answered ${res.statusCode}: ${errorMessage(text)}` };
  if (res.statusCode >= 300) throw new Error(`trace ingest answered ${res.statusCode}: ${errorMessage(text)}`);
  const answer = JSON.parse(text) as IngestAnswer;
  const rejected = new Map<number, string>();
  for (const r of answer.rejected ?? []) {
    rejected.set(r.index, (r.errors ?? []).map((e) => `${e.field ?? ''}: ${e.message ?? 'invalid'}`).join('; ') || 'refused');
  }
  return { kind: 'stored', rejected };
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}
