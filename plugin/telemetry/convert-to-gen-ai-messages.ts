// The payloads a trace keeps (OpenAI chat JSON, or a stream's text), as the
// GenAI conventions' message JSON: [{role, parts: [{type, ...}]}]. A payload
// cut at the trace's size cap no longer parses: it is passed on as text.

type Part =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id?: string; response: unknown };

interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

export function toInputMessages(stored: string): string {
  const request = parse(stored) as { messages?: unknown } | undefined;
  if (!request || !Array.isArray(request.messages)) return JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: stored }] }]);
  return JSON.stringify(request.messages.map(toMessage));
}

export function toOutputMessages(stored: string): string {
  const completion = parse(stored) as { choices?: unknown } | undefined;
  if (!completion || !Array.isArray(completion.choices)) return JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: stored }] }]);
  return JSON.stringify(
    completion.choices.map((c: { message?: unknown; finish_reason?: unknown }) => ({
      ...toMessage(c.message ?? {}),
      ...(typeof c.finish_reason === 'string' ? { finish_reason: c.finish_reason } : {}),
    })),
  );
}

function toMessage(raw: unknown): Message {
  const m = (raw ?? {}) as { role?: unknown; content?: unknown; tool_calls?: unknown; tool_call_id?: unknown };
  const role = typeof m.role === 'string' ? m.role : 'assistant';
  if (role === 'tool') return { role, parts: [{ type: 'tool_call_response', id: str(m.tool_call_id), response: textOf(m.content) }] };
  const parts: Part[] = [];
  const text = textOf(m.content);
  if (text) parts.push({ type: 'text', content: text });
  if (Array.isArray(m.tool_calls)) {
    for (const call of m.tool_calls as Array<{ id?: unknown; function?: { name?: unknown; arguments?: unknown } }>) {
      parts.push({
        type: 'tool_call',
        id: str(call.id),
        name: str(call.function?.name) ?? '',
        arguments: parse(str(call.function?.arguments) ?? '') ?? call.function?.arguments,
      });
    }
  }
  return { role, parts };
}

/** Text of a content string or of an array of parts (images are left out: the trace keeps no binary). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: { type?: unknown; text?: unknown } | null) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : ''))
    .filter(Boolean)
    .join('\n');
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
