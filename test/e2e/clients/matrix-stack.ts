// The matrix's stack: the e2e stack (test/e2e/stack.ts: control plane on
// FerretDB, the real plugin server behind whatever Kong stand-in it starts),
// one fake per provider row following conversations, and one endpoint per
// (client column, provider) so each cell's traces can be told apart. Every
// endpoint allows a single attempt: a failing call reaches the client as
// the gateway maps it, not hidden behind a retry.
import type { ProviderId, Trace } from '../../../plugin/contract';
import type { FakeProvider } from '../../fake-providers/scenario';
import type { ConformanceProvider } from '../conformance/providers';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../stack';

export interface MatrixStack {
  stack: Stack;
  fakes: Map<ProviderId, FakeProvider>;
  /** Whether the gateway serves POST /gateway/openai/v1/responses yet. */
  servesResponses: boolean;
  close(): Promise<void>;
}

export const endpointName = (column: string, provider: ProviderId): string => `${column}-${provider}`;

export function destinationFor(row: ConformanceProvider, fake: FakeProvider) {
  return {
    id: row.id,
    provider: row.id,
    model: row.chat.model,
    ...(row.secret ? { secret: `matrix-${row.id}` } : {}),
    weight: 100,
    options: row.chat.options(fake.url),
  };
}

export async function startMatrixStack(rows: ConformanceProvider[], columns: string[]): Promise<MatrixStack> {
  const [stack, ...started] = await Promise.all([startStack(), ...rows.map((r) => r.start())]);
  const fakes = new Map(rows.map((r, i) => [r.id, started[i]!]));
  for (const fake of fakes.values()) fake.followConversations();
  for (const row of rows) if (row.secret) await createSecret(stack, `matrix-${row.id}`, row.id, row.secret);
  const names: string[] = [];
  for (const column of columns) {
    for (const row of rows) {
      const name = endpointName(column, row.id);
      await putEndpoint(stack, { name, kind: 'chat', destinations: [destinationFor(row, fakes.get(row.id)!)], fallback: { chain: [], maxAttempts: 1 } });
      names.push(name);
    }
  }
  await waitFor(
    'every matrix endpoint to reach the gateway',
    async () => {
      const res = await fetch(`${stack.openaiBaseUrl}/models`);
      const ids = new Set(((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id));
      return names.every((n) => ids.has(n)) ? true : undefined;
    },
    15_000,
  );
  // A gateway without the Responses API answers 404 unknown_url; one with it validates the body.
  const probe = await fetch(`${stack.openaiBaseUrl}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const probeBody = (await probe.json().catch(() => ({}))) as { error?: { code?: string } };
  const servesResponses = !(probe.status === 404 && probeBody.error?.code === 'unknown_url');
  return {
    stack,
    fakes,
    servesResponses,
    async close() {
      await stack.close();
      await Promise.all([...fakes.values()].map((f) => f.close()));
    },
  };
}

/** Every trace the control plane holds (newest first), once at least `atLeast` arrived. */
export async function allTraces(stack: Stack, atLeast: number): Promise<Trace[]> {
  const fetchAll = async (): Promise<Trace[]> => {
    const out: Trace[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Trace[]; nextCursor: string | null } } = await stack.api(
        'GET',
        `/api/v1/traces?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      out.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const ids = out.map((t) => t.id);
    const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (twice.length > 0) throw new Error(`the trace list returned ${twice.length} trace(s) twice across its pages, e.g. ${twice[0]}`);
    return out;
  };
  await waitFor('the traces of every provider call', async () => ((await fetchAll()).length >= atLeast ? true : undefined), 20_000, 250).catch(() => undefined);
  return fetchAll();
}
