// Fake Ollama native API: /api/chat (NDJSON stream by default, like Ollama,
// unless stream: false) and /api/embed, with Ollama's `{"error": "..."}`
// bodies. No auth unless `apiKey` is set (as behind ollama.com or a proxy).
import type http from 'node:http';
import {
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

export interface OllamaFakeOptions {
  apiKey?: string;
  /** Models the fake knows; others get Ollama's 404. Default: any. */
  models?: string[];
}

interface OllamaBody {
  model?: string;
  messages?: Array<{ role?: string; content?: string }>;
  stream?: boolean;
  input?: string | string[];
  dimensions?: number;
}

function lastUserText(body: OllamaBody): string {
  const messages = body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === 'user') return messages[i]!.content ?? '';
  return '';
}

function vector(text: string, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => Number((((text.charCodeAt(i % Math.max(1, text.length)) || 0) % 83) / 83).toFixed(6)));
}

const CREATED_AT = '2025-01-01T00:00:00.000000Z';

async function answerChat(res: http.ServerResponse, body: OllamaBody, b: Behaviour): Promise<void> {
  if (b.kind === 'status') {
    const headers: Record<string, string> = b.retryAfterSeconds !== undefined ? { 'retry-after': String(b.retryAfterSeconds) } : {};
    return sendJson(res, b.status, { error: b.message ?? `fake ollama error ${b.status}` }, headers);
  }
  if (b.kind === 'malformed') return sendMalformed(res);
  const ok = b.kind === 'ok' ? b : { kind: 'ok' as const };
  if (ok.delayMs) await sleep(ok.delayMs);
  const model = body.model ?? 'unknown';
  const prompt = lastUserText(body);
  const text = ok.text ?? `echo: ${prompt}`;
  const toolCalls = (ok.toolCalls ?? []).map((c) => ({ function: { name: c.name, arguments: JSON.parse(c.arguments || '{}') as unknown } }));
  const final = { done: true, done_reason: 'stop', total_duration: 1000, prompt_eval_count: countWords(prompt) + 1, eval_count: countWords(text) + 1 };
  // Ollama streams unless told otherwise.
  const stream = body.stream !== false;

  if (!stream) {
    if (b.kind === 'truncate') {
      return sendTruncatedJson(res, '{"model":"cut","message":{"role":"assistant","content":"cu');
    }
    if (b.kind === 'stream-error') return sendJson(res, 500, { error: b.message ?? 'llama runner process has terminated: exit status 2' });
    return sendJson(res, 200, {
      model,
      created_at: CREATED_AT,
      message: toolCalls.length > 0 ? { role: 'assistant', content: '', tool_calls: toolCalls } : { role: 'assistant', content: text },
      ...final,
    });
  }

  const line = (o: unknown) => `${JSON.stringify(o)}\n`;
  const contentLines = (toolCalls.length > 0 ? [] : splitText(text)).map((piece) =>
    line({ model, created_at: CREATED_AT, message: { role: 'assistant', content: piece }, done: false }),
  );
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const gap = ok.chunkGapMs ?? 10;
  if (b.kind === 'truncate' || b.kind === 'stream-error') {
    if (!(await writeFrames(res, contentLines.slice(0, b.afterChunks), gap))) return;
    if (b.kind === 'truncate') {
      res.socket?.destroy();
      return;
    }
    await sleep(gap);
    res.end(line({ error: b.message ?? 'an error was encountered while running the model: unexpected EOF' }));
    return;
  }
  const frames = [
    ...contentLines,
    // Tool calls arrive whole, one per line.
    ...toolCalls.map((call) => line({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '', tool_calls: [call] }, done: false })),
    line({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '' }, ...final }),
  ];
  if (await writeFrames(res, frames, gap)) res.end();
}

export function startOllamaFake(options: OllamaFakeOptions = {}): Promise<FakeProvider> {
  return startFakeServer(async (req, res) => {
    if (req.method !== 'POST' || (req.path !== '/api/chat' && req.path !== '/api/embed')) return sendJson(res, 404, { error: '404 page not found' });
    if (options.apiKey !== undefined && headerValue(req.headers, 'authorization') !== `Bearer ${options.apiKey}`) {
      return sendJson(res, 401, { error: 'unauthorized' });
    }
    let body: OllamaBody;
    try {
      body = JSON.parse(req.body) as OllamaBody;
    } catch {
      return sendJson(res, 400, { error: "invalid character 'x' looking for beginning of value" });
    }
    if (!body.model) return sendJson(res, 400, { error: 'model is required' });
    if (options.models && !options.models.includes(body.model)) {
      return sendJson(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
    }
    const b = followConversation(req.takeBehaviour(), () => readConversation(body));
    if (handleTransportBehaviour(b, res)) return;
    if (req.path === '/api/embed') {
      if (b.kind === 'status') return sendJson(res, b.status, { error: b.message ?? 'fake error' });
      if (b.kind === 'malformed') return sendMalformed(res);
      const inputs = typeof body.input === 'string' ? [body.input] : (body.input ?? []);
      return sendJson(res, 200, {
        model: body.model,
        embeddings: inputs.map((t) => vector(t, body.dimensions ?? 8)),
        total_duration: 1000,
        load_duration: 10,
        prompt_eval_count: inputs.reduce((n, t) => n + countWords(t), 0),
      });
    }
    await answerChat(res, body, b);
  });
}
