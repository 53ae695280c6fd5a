// One stack per test file and one fake per provider row: a secret, a chat
// endpoint and (where the provider embeds) an embeddings endpoint per row.
// Endpoints allow a single attempt: a provider error reaches the client as
// the gateway maps it, without the retry/fallback layer in between (that
// layer has its own suite, test/e2e/fallback.test.ts).
import OpenAI from 'openai';
import type { ProviderId } from '../../../plugin/contract';
import type { FakeProvider } from '../../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from '../stack';
import type { ConformanceProvider } from './providers';

export interface Conformance {
  stack: Stack;
  client: OpenAI;
  fakes: Map<ProviderId, FakeProvider>;
  fake(id: ProviderId): FakeProvider;
  close(): Promise<void>;
}

export const chatEndpoint = (id: ProviderId): string => `chat-${id}`;
export const embeddingsEndpoint = (id: ProviderId): string => `embed-${id}`;

export async function startConformance(rows: ConformanceProvider[]): Promise<Conformance> {
  const [stack, ...started] = await Promise.all([startStack(), ...rows.map((r) => r.start())]);
  const fakes = new Map(rows.map((r, i) => [r.id, started[i]!]));
  const expected: string[] = [];
  // The control plane serializes writes well enough, but one by one keeps failures readable.
  for (const row of rows) {
    const fake = fakes.get(row.id)!;
    const secret = row.secret ? await createSecret(stack, `conf-${row.id}`, row.id, row.secret) : undefined;
    const single = { chain: [], maxAttempts: 1 };
    await putEndpoint(stack, {
      name: chatEndpoint(row.id),
      kind: 'chat',
      destinations: [{ id: row.id, provider: row.id, model: row.chat.model, ...(secret ? { secret } : {}), weight: 100, options: row.chat.options(fake.url) }],
      fallback: single,
    });
    expected.push(chatEndpoint(row.id));
    if (row.embeddings) {
      await putEndpoint(stack, {
        name: embeddingsEndpoint(row.id),
        kind: 'embeddings',
        destinations: [
          { id: row.id, provider: row.id, model: row.embeddings.model, ...(secret ? { secret } : {}), weight: 100, options: row.embeddings.options(fake.url) },
        ],
        fallback: single,
      });
      expected.push(embeddingsEndpoint(row.id));
    }
  }
  const client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'dummy', maxRetries: 0 });
  await waitFor(
    'every conformance endpoint to reach the gateway',
    async () => {
      const models = await client.models.list().catch(() => undefined);
      const ids = new Set(models?.data.map((m) => m.id));
      return expected.every((e) => ids.has(e)) ? true : undefined;
    },
    10_000,
  );
  return {
    stack,
    client,
    fakes,
    fake(id) {
      const f = fakes.get(id);
      if (!f) throw new Error(`no fake for ${id}`);
      return f;
    },
    async close() {
      await stack.close();
      await Promise.all([...fakes.values()].map((f) => f.close()));
    },
  };
}

/** The request the fake received last, with its body parsed. */
export function lastRequest(fake: FakeProvider): { path: string; body: Record<string, unknown> } {
  const r = fake.requests.at(-1);
  if (!r) throw new Error('the fake received no request');
  return { path: r.path, body: JSON.parse(r.body) as Record<string, unknown> };
}
