// Fake Cohere v2 API: /v2/chat (JSON or typed SSE events) and /v2/embed,
// with Cohere's `{"message": "..."}` errors and bearer-token auth (401
// "invalid api token").
import type http from 'node:http';
import {
  conversationTag,
  countWords,
  handleTransportBehaviour,
  headerValue,
  sendJson,
  sendMalformed,
  sendTruncatedJson,
  sleep,
  splitText,
  startFakeServer,
  writeFrames,
} from './http';
import { followConversation, type Behaviour, type FakeProvider } from './scenario';
import { readConversation } from './openai';

export interface CohereFakeOptions {
  apiKey?: string;
}

interface CohereBody {
  model?: string;
  messages?: Array<{ role?: string; content?: string | Array<{ type?: string; text?: string }> }>;
  stream?: boolean;
  texts?: string[];
  output_dimension?: number;
}

function lastUserText(body: CohereBody): string {
  const messages = body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    return (m.content ?? [])
      .filter((p) => p.type === 'text')
      .map((p) => p.text ?? '')
      .join(' ');
  }
  return '';
}

function vector(text: string, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => Number((((text.charCodeAt(i % Math.max(1, text.length)) || 0) % 79) / 79).toFixed(6)));
}

/** Cohere pretty-prints tool arguments; the fake does too, to exercise minification. */
function pretty(args: string): string {
  return JSON.stringify(JSON.parse(args || '{}'), null, 4);
}

async function answerChat(res: http.ServerResponse, body: CohereBody, b: Behaviour): Promise<void> {
  if (b.kind === 'status') {
    const headers: Record<string, string> = b.retryAfterSeconds !== undefined ? { 'retry-after': String(b.retryAfterSeconds) } : {};
    return sendJson(res, b.status, { id: 'fake-error', message: b.message ?? `fake cohere error ${b.status}` }, headers);
  }
  if (b.kind === 'malformed') return sendMalformed(res);
  const ok = b.kind === 'ok' ? b : { kind: 'ok' as const };
  if (ok.delayMs) await sleep(ok.delayMs);
  const prompt = lastUserText(body);
  const text = ok.text ?? `echo: ${prompt}`;
  const calls = (ok.toolCalls ?? []).map((c, i) => ({
    id: `${c.name}_${conversationTag(body.messages)}${i}`,
    type: 'function' as const,
    function: { name: c.name, arguments: pretty(c.arguments) },
  }));
  const usage = {
    billed_units: { input_tokens: countWords(prompt), output_tokens: countWords(text) },
    tokens: { input_tokens: countWords(prompt) + 50, output_tokens: countWords(text) },
  };
  const finish = calls.length > 0 ? 'TOOL_CALL' : 'COMPLETE';

  if (body.stream !== true) {
    if (b.kind === 'truncate') {
      return sendTruncatedJson(res, '{"id":"cut","message":{"role":"assistant","content":[{"type":"text","text":"cu');
    }
    if (b.kind === 'stream-error')
      return sendJson(res, 500, { id: 'fake-error', message: b.message ?? 'internal server error, this has been reported to our developers' });
    return sendJson(res, 200, {
      id: 'fake-chat-id',
      finish_reason: finish,
      message:
        calls.length > 0
          ? { role: 'assistant', tool_plan: 'I will call the tools.', tool_calls: calls }
          : { role: 'assistant', content: [{ type: 'text', text }] },
      usage,
    });
  }

  const frame = (o: { type: string } & Record<string, unknown>) => `event: ${o.type}\ndata: ${JSON.stringify(o)}\n\n`;
  const contentFrames = (calls.length > 0 ? [] : splitText(text)).map((piece) =>
    frame({ type: 'content-delta', index: 0, delta: { message: { content: { text: piece } } } }),
  );
  const head = [
    frame({ id: 'fake-chat-id', type: 'message-start', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } }),
  ];
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const gap = ok.chunkGapMs ?? 10;
  if (b.kind === 'truncate' || b.kind === 'stream-error') {
    if (!(await writeFrames(res, [...head, ...contentFrames.slice(0, b.afterChunks)], gap))) return;
    if (b.kind === 'truncate') {
      res.socket?.destroy();
      return;
    }
    await sleep(gap);
    res.end(frame({ type: 'message-end', delta: { finish_reason: 'ERROR', error: b.message ?? 'stream failed', usage } }));
    return;
  }
  const frames = [...head];
  if (calls.length > 0) {
    frames.push(frame({ type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will call the tools.' } } }));
    calls.forEach((call, index) => {
      frames.push(
        frame({
          type: 'tool-call-start',
          index,
          delta: { message: { tool_calls: { id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } } } },
        }),
      );
      for (const piece of splitText(call.function.arguments, 4)) {
        frames.push(frame({ type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: piece } } } } }));
      }
      frames.push(frame({ type: 'tool-call-end', index }));
    });
  } else {
    frames.push(
      frame({ type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
      ...contentFrames,
      frame({ type: 'content-end', index: 0 }),
    );
  }
  frames.push(frame({ type: 'message-end', delta: { finish_reason: finish, usage } }));
  if (await writeFrames(res, frames, gap)) res.end();
}

export function startCohereFake(options: CohereFakeOptions = {}): Promise<FakeProvider> {
  const apiKey = options.apiKey ?? 'test-key';
  return startFakeServer(async (req, res) => {
    if (req.method !== 'POST' || (req.path !== '/v2/chat' && req.path !== '/v2/embed'))
      return sendJson(res, 404, { message: `no route for ${req.method} ${req.path}` });
    const auth = headerValue(req.headers, 'authorization');
    if (!auth) return sendJson(res, 401, { id: 'fake', message: 'no api key supplied' });
    if (auth !== `Bearer ${apiKey}`) return sendJson(res, 401, { id: 'fake', message: 'invalid api token' });
    let body: CohereBody;
    try {
      body = JSON.parse(req.body) as CohereBody;
    } catch {
      return sendJson(res, 400, { id: 'fake', message: 'invalid request: the body is not valid JSON' });
    }
    const b = followConversation(req.takeBehaviour(), () => readConversation(body));
    if (handleTransportBehaviour(b, res)) return;
    if (req.path === '/v2/embed') {
      if (b.kind === 'status') return sendJson(res, b.status, { id: 'fake', message: b.message ?? 'fake error' });
      if (b.kind === 'malformed') return sendMalformed(res);
      const texts = body.texts ?? [];
      return sendJson(res, 200, {
        id: 'fake-embed',
        embeddings: { float: texts.map((t) => vector(t, body.output_dimension ?? 8)) },
        texts,
        meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.reduce((n, t) => n + countWords(t), 0) } },
      });
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return sendJson(res, 400, { id: 'fake', message: 'invalid request: messages must not be empty' });
    await answerChat(res, body, b);
  });
}
