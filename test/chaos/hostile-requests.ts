// Hostile input for both ingresses (OpenAI and Anthropic), generated with
// fast-check from a fixed seed: bodies that are not JSON, JSON of the wrong
// shape, valid requests with one field replaced by anything, huge and deeply
// nested values, odd unicode, odd content types and paths. Every one must get
// a documented answer (never a 500, never a hang) and, when it reached the
// data plane, exactly one trace.
import fc from 'fast-check';

export interface HostileRequest {
  ingress: 'openai' | 'anthropic';
  method: 'GET' | 'POST';
  path: string;
  contentType?: string;
  body?: string;
}

const MODEL = 'chat';

function nested(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { x: v };
  return v;
}

/** JSON text nested `depth` levels deep, written directly (JSON.stringify itself would run out of stack). */
function nestedJson(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"x":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}"deep"${close}`;
}

const openAiValid = { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 };
const anthropicValid = { model: MODEL, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom(null, true, -1, 1e308, -0, 2 ** 53 + 1, '', '\u0000', '\ud800', 'a'.repeat(300_000), nested(500), [], {}),
);

/** One field of a valid request replaced by anything (or removed, or an unknown one added). */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<string> {
  const keys = [...Object.keys(valid), 'messages.0.content', 'messages.0.role', 'stream', 'tools', 'user', 'metadata', '__proto__', 'constructor', 'n'];
  return fc.tuple(fc.constantFrom(...keys), anyValue, fc.boolean()).map(([key, value, drop]) => {
    const body = structuredClone(valid);
    const path = key.split('.');
    let target = body;
    for (const p of path.slice(0, -1)) target = (target[p] ?? {}) as Record<string, unknown>;
    const last = path[path.length - 1];
    if (last === undefined) return JSON.stringify(body);
    if (drop) delete target[last];
    else Object.defineProperty(target, last, { value, enumerable: true, writable: true, configurable: true });
    return JSON.stringify(body);
  });
}

const notJson = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('{', '{"model":', '[1,2', 'null', '"just a string"', '\u0000\u0001', '{"model":"chat","messages":[{"role":"user","content":"x"}]}garbage'),
);

function bodies(valid: Record<string, unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: mutated(valid) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: notJson },
    { weight: 1, arbitrary: fc.constantFrom(JSON.stringify({ ...valid, messages: [{ role: 'user', content: '@' }] }).replace('"@"', nestedJson(5_000))) },
  );
}

const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  undefined,
  'application/x-www-form-urlencoded',
);

const openAi: fc.Arbitrary<HostileRequest> = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        path: fc.constantFrom('/gateway/openai/v1/chat/completions', '/gateway/openai/v1/embeddings'),
        body: bodies(openAiValid),
        contentType,
      }),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => ({ path: `/gateway/openai/v1/models/${encodeURIComponent(s)}` })) },
  )
  .map((r) => ({ ingress: 'openai' as const, method: 'body' in r ? ('POST' as const) : ('GET' as const), ...r }));

const anthropic: fc.Arbitrary<HostileRequest> = fc
  .record({ body: bodies(anthropicValid), contentType })
  .map((r) => ({ ingress: 'anthropic' as const, method: 'POST' as const, path: '/gateway/anthropic/v1/messages', ...r }));

export function hostileRequests(count: number, seed: number): HostileRequest[] {
  return fc.sample(fc.oneof(openAi, anthropic), { numRuns: count, seed });
}

/** The error shape each ingress documents: OpenAI's, or Anthropic's. */
export function ingressErrorShape(ingress: HostileRequest['ingress'], body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { type?: unknown; error?: { type?: unknown; message?: unknown } };
    const inner = typeof parsed.error?.message === 'string' && typeof parsed.error.type === 'string';
    return ingress === 'anthropic' ? parsed.type === 'error' && inner : inner;
  } catch {
    return false;
  }
}
