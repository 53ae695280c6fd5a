// "The same request" for the loop breaker: the hash of what the model is
// asked, its messages and tools, in a canonical form (keys sorted). Sampling
// settings, stream flags and the like do not count. Tool-call ids do not
// either: clients and providers mint new ones for the same call, and an agent
// replaying the same turn must still be recognised.
import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

const stringify = configure({ deterministic: true, bigint: false, circularValue: null });

/** SHA-256 (base64url, 43 characters) of the request's messages and tools, or of an embeddings input. */
export function fingerprintRequest(request: { messages?: unknown; tools?: unknown; input?: unknown }): string {
  const asked =
    request.messages !== undefined ? { messages: withoutCallIds(request.messages), tools: request.tools ?? null } : { input: request.input ?? null };
  return createHash('sha256').update(stringify(asked)).digest('base64url');
}

function withoutCallIds(messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages;
  return messages.map((m: unknown) => {
    if (typeof m !== 'object' || m === null) return m;
    const { tool_call_id: _id, tool_calls, ...rest } = m as Record<string, unknown>;
    return Array.isArray(tool_calls)
      ? { ...rest, tool_calls: tool_calls.map((c: unknown) => (typeof c === 'object' && c !== null ? { ...c, id: null } : c)) }
      : rest;
  });
}
