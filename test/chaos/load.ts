// Steady load through the gateway for the chaos suite: a fixed number of
// clients, each sending one request after another (a third of them streams),
// every request tagged with a W3C traceparent of its own so its trace can be
// found (exactly once) whatever happened to it. Each answer is classified.
import { randomBytes } from 'node:crypto';

export type Kind =
  /** A complete answer: a completion, or a stream that reached [DONE]. */
  | 'served'
  /** An error in a documented shape (the gateway's, or Kong's own when the plugin server is away). */
  | 'documented'
  /** A stream or body cut short: the process carrying it was killed. */
  | 'cut'
  /** The gateway's port refused the connection, or closed it unread (the whole stack was stopping). */
  | 'refused'
  /**
   * Kong's own `500 {"message":"An unexpected error occurred"}`: an nginx worker that holds no plugin
   * instance yet (it served no request of the plugin before, or another worker's "no plugin instance"
   * reset them all) asked a plugin server that was not listening to start one. Kong 3.9's
   * get_instance_id raises then (kong/runloop/plugin_servers/init.lua), whatever the plugin does.
   */
  | 'kong-500'
  /** Anything else: an undocumented status or body, a hang. */
  | 'failed';

export interface Outcome {
  kind: Kind;
  status: number;
  stream: boolean;
  traceparent: string;
  /** x-request-id: the data plane handled it, so a trace is due. */
  requestId?: string;
  startedAt: number;
  endedAt: number;
  detail?: string;
}

/** Statuses a client may get with an error body we document (README: errors; Kong's own 502/503/504). */
const DOCUMENTED = new Set([400, 404, 413, 429, 502, 503, 504]);

export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

export async function oneRequest(gatewayUrl: string, model: string, stream: boolean, timeoutMs = 60_000): Promise<Outcome> {
  const traceparent = newTraceparent();
  const startedAt = Date.now();
  const done = (kind: Kind, status: number, extra: Partial<Outcome> = {}): Outcome => ({
    kind,
    status,
    stream,
    traceparent,
    startedAt,
    endedAt: Date.now(),
    ...extra,
  });
  let res: Response;
  try {
    res = await fetch(`${gatewayUrl}/gateway/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body: JSON.stringify({ model, stream, max_tokens: 50, messages: [{ role: 'user', content: 'one two three four five six seven' }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    // Refused, or a kept-alive connection the stopping server closed before it read the request.
    if (code === 'ECONNREFUSED' || code === 'UND_ERR_SOCKET') return done('refused', 0, { detail: code });
    return done('failed', 0, { detail: `no answer: ${code ?? (err as Error).message}` });
  }
  const requestId = res.headers.get('x-request-id') ?? undefined;
  let body: string;
  try {
    body = await res.text();
  } catch (err) {
    return done('cut', res.status, { requestId, detail: `body cut: ${(err as Error).message}` });
  }
  if (res.status === 200) {
    if (stream) return body.includes('data: [DONE]') ? done('served', 200, { requestId }) : done('cut', 200, { requestId, detail: 'stream ended early' });
    return /"choices"/.test(body) ? done('served', 200, { requestId }) : done('failed', 200, { requestId, detail: body.slice(0, 200) });
  }
  if (DOCUMENTED.has(res.status) && documentedError(body)) return done('documented', res.status, { requestId, detail: body.slice(0, 160) });
  // Kong's own answer while its plugin server is not listening (a node starting, a plugin server restarting).
  if (res.status === 500 && kongUnexpectedError(body)) return done('kong-500', 500, { detail: "Kong's 500 while its plugin server was away" });
  return done('failed', res.status, { requestId, detail: body.slice(0, 300) });
}

function kongUnexpectedError(body: string): boolean {
  try {
    return (JSON.parse(body) as { message?: unknown }).message === 'An unexpected error occurred';
  } catch {
    return false;
  }
}

/** The gateway's `{"error":{"message","type",...}}`, or Kong's own `{"message": ...}`. */
export function documentedError(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; type?: unknown }; message?: unknown };
    return (typeof parsed.error?.message === 'string' && typeof parsed.error.type === 'string') || typeof parsed.message === 'string';
  } catch {
    return false;
  }
}

export interface Load {
  stop(): Promise<Outcome[]>;
  readonly outcomes: Outcome[];
}

export function steadyLoad(gatewayUrl: string, model: string, clients: number): Load {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const workers = Array.from({ length: clients }, async (_, i) => {
    for (let n = 0; !stopped; n++) {
      const outcome = await oneRequest(gatewayUrl, model, (i + n) % 3 === 0);
      outcomes.push(outcome);
      // A refused port answers at once: do not spin.
      if (outcome.kind === 'refused' || outcome.kind === 'kong-500' || outcome.kind === 'failed') await new Promise((r) => setTimeout(r, 100));
    }
  });
  return {
    outcomes,
    async stop() {
      stopped = true;
      await Promise.all(workers);
      return outcomes;
    },
  };
}
