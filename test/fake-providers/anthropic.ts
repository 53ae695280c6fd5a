// Fake Anthropic Messages API: POST /v1/messages with x-api-key and
// anthropic-version, native Message bodies, named SSE events
// (message_start, content_block_start/delta/stop, ping, message_delta,
// message_stop, error) and the documented error envelope.
// https://platform.claude.com/docs/en/api/messages
// https://platform.claude.com/docs/en/build-with-claude/streaming
// https://platform.claude.com/docs/en/api/errors
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { cacheUsage, fakeThinking, thinkingOrCacheRefusal } from './anthropic-thinking-and-cache';
import { followConversation, type Behaviour, type ConversationTurn, type FakeProvider } from './scenario';
import {
  contentText,
  countWords,
  handleTransportBehaviour,
  headerValue,
  lastUserText,
  sendJson,
  sendMalformed,
  sleep,
  splitText,
  startFakeServer,
  writeFrames,
} from './http';

export interface FakeAnthropicOptions {
  /** Key the fake accepts in x-api-key. Default 'test-key'. */
  apiKey?: string;
  /** Default gap between stream events when the behaviour does not say. Default 5 ms. */
  chunkGapMs?: number;
}

const ERROR_TYPES: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timeout' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

// https://platform.claude.com/docs/en/api/messages/create (request body)
const MESSAGES_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_k',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'context_management',
  'mcp_servers',
  'output_config',
  'inference_geo',
]);

const requestId = () => `req_011${randomUUID().replace(/-/g, '').slice(0, 21)}`;

function errorBody(status: number, message?: string) {
  const known = ERROR_TYPES[status] ?? { type: status >= 500 ? 'api_error' : 'invalid_request_error', message: `HTTP ${status}` };
  return { type: 'error', error: { type: known.type, message: message ?? known.message }, request_id: requestId() };
}

function sendError(res: http.ServerResponse, status: number, message?: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, errorBody(status, message), { 'request-id': requestId(), ...headers });
}

interface MessagesBody {
  model?: string;
  max_tokens?: number;
  messages?: unknown[];
  system?: unknown;
  stream?: boolean;
  tools?: Array<{ name?: string }>;
}

/** The last turn's results are the tool_result blocks of the final user message. */
function readConversation(body: MessagesBody): ConversationTurn {
  const last = (body.messages ?? []).at(-1) as { role?: string; content?: unknown } | undefined;
  const blocks = last?.role === 'user' && Array.isArray(last.content) ? (last.content as Array<{ type?: string; content?: unknown }>) : [];
  return {
    toolResults: blocks.filter((b) => b.type === 'tool_result').map((b) => contentText(b.content ?? '')),
    lastUserText: lastUserText(body.messages),
    toolNames: (body.tools ?? []).map((t) => String(t.name ?? '')),
  };
}

export function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeProvider> {
  const apiKey = opts.apiKey ?? 'test-key';
  const defaultGap = opts.chunkGapMs ?? 5;

  const cached = new Set<string>();
  return startFakeServer(async (req, res) => {
    if (req.method !== 'POST' || req.path !== '/v1/messages') {
      sendError(res, 404, `Not found: ${req.method} ${req.path}`);
      return;
    }
    // The documented header is x-api-key; the official SDK (1.x) sends the same key as a Bearer token.
    const presented = headerValue(req.headers, 'x-api-key') ?? headerValue(req.headers, 'authorization')?.replace(/^Bearer /, '');
    if (presented !== apiKey) {
      sendError(res, 401, 'invalid x-api-key');
      return;
    }
    if (!headerValue(req.headers, 'anthropic-version')) {
      sendError(res, 400, 'anthropic-version: header is required');
      return;
    }
    let body: MessagesBody;
    try {
      body = JSON.parse(req.body) as MessagesBody;
    } catch {
      sendError(res, 400, 'There was an issue with the format of your request: invalid JSON');
      return;
    }
    // The Messages API refuses top-level fields it does not know.
    const extra = Object.keys(body).find((k) => !MESSAGES_FIELDS.has(k));
    if (extra) return sendError(res, 400, `${extra}: Extra inputs are not permitted`);
    if (typeof body.max_tokens !== 'number') return sendError(res, 400, 'max_tokens: Field required');
    if (!Array.isArray(body.messages)) return sendError(res, 400, 'messages: Field required');
    if (typeof body.model !== 'string') return sendError(res, 400, 'model: Field required');
    const refusal = thinkingOrCacheRefusal(body);
    if (refusal) return sendError(res, 400, refusal);

    const b = followConversation(req.takeBehaviour(), () => readConversation(body));
    if (handleTransportBehaviour(b, res)) return;
    if (b.kind === 'status') {
      const headers: Record<string, string> = {};
      if (b.retryAfterSeconds !== undefined) headers['retry-after'] = String(b.retryAfterSeconds);
      sendError(res, b.status, b.message, headers);
      return;
    }
    if (b.kind === 'ok' && b.delayMs) await sleep(b.delayMs);

    const answer = answerFor(b, body, cached);
    if (body.stream) {
      await streamMessage(res, body.model, answer, b, b.kind === 'ok' && b.chunkGapMs !== undefined ? b.chunkGapMs : defaultGap);
      return;
    }
    if (b.kind === 'malformed') return sendMalformed(res);
    if (b.kind === 'truncate') {
      const text = JSON.stringify(messageBody(body.model, answer));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      await sleep(5);
      res.destroy();
      return;
    }
    if (b.kind === 'stream-error') return sendError(res, 529, b.message);
    sendJson(res, 200, messageBody(body.model, answer), { 'request-id': requestId() });
  });
}

interface Answer {
  id: string;
  text: string;
  toolCalls: Array<{ id: string; name: string; input: Record<string, unknown>; raw: string }>;
  inputTokens: number;
  outputTokens: number;
  thinking?: { text: string; signature: string };
  cacheRead: number;
  cacheWrite: number;
}

function answerFor(b: Behaviour, body: MessagesBody, cached: Set<string>): Answer {
  const toolCalls = (b.kind === 'ok' ? (b.toolCalls ?? []) : []).map((tc) => ({
    id: `toolu_01${randomUUID().replace(/-/g, '').slice(0, 22)}`,
    name: tc.name,
    input: JSON.parse(tc.arguments || '{}') as Record<string, unknown>,
    raw: tc.arguments || '{}',
  }));
  const text = b.kind === 'ok' && b.text !== undefined ? b.text : toolCalls.length > 0 ? '' : `echo: ${lastUserText(body.messages)}`;
  const thinking = fakeThinking(body, lastUserText(body.messages));
  const cache = cacheUsage(body, cached);
  const prompt = Math.max(1, countWords(JSON.stringify([body.system ?? '', body.messages])));
  return {
    id: `msg_01${randomUUID().replace(/-/g, '').slice(0, 22)}`,
    text,
    toolCalls,
    // Anthropic's input_tokens leaves out what was read from or written to the cache.
    inputTokens: Math.max(1, prompt - cache.read - cache.write),
    outputTokens: Math.max(1, countWords(text) + toolCalls.length * 5 + (thinking ? countWords(thinking.text) : 0)),
    ...(thinking ? { thinking } : {}),
    cacheRead: cache.read,
    cacheWrite: cache.write,
  };
}

function messageBody(model: string, a: Answer) {
  const content: unknown[] = [];
  if (a.thinking) content.push({ type: 'thinking', thinking: a.thinking.text, signature: a.thinking.signature });
  if (a.text !== '') content.push({ type: 'text', text: a.text });
  for (const tc of a.toolCalls) content.push({ type: 'tool_use', id: tc.id, name: tc.name, input: tc.input });
  return {
    id: a.id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: a.toolCalls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: a.inputTokens, cache_creation_input_tokens: a.cacheWrite, cache_read_input_tokens: a.cacheRead, output_tokens: a.outputTokens },
  };
}

const sse = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

async function streamMessage(res: http.ServerResponse, model: string, a: Answer, b: Behaviour, gapMs: number): Promise<void> {
  const start = sse('message_start', {
    message: {
      id: a.id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: a.inputTokens, cache_creation_input_tokens: a.cacheWrite, cache_read_input_tokens: a.cacheRead, output_tokens: 1 },
    },
  });
  let index = 0;
  const thinkingFrames: string[] = [];
  if (a.thinking && b.kind === 'ok') {
    thinkingFrames.push(sse('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } }));
    for (const piece of splitText(a.thinking.text, 2))
      thinkingFrames.push(sse('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } }));
    thinkingFrames.push(sse('content_block_delta', { index, delta: { type: 'signature_delta', signature: a.thinking.signature } }));
    thinkingFrames.push(sse('content_block_stop', { index: index++ }));
  }
  const textFrames: string[] = [];
  const contentDeltas: string[] = [];
  if (a.text !== '' || b.kind !== 'ok') {
    textFrames.push(sse('content_block_start', { index, content_block: { type: 'text', text: '' } }), sse('ping', {}));
    for (const piece of splitText(a.text, 3)) contentDeltas.push(sse('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
  }
  const textStop = textFrames.length > 0 ? [sse('content_block_stop', { index: index++ })] : [];
  const toolFrames: string[] = [];
  for (const tc of a.toolCalls) {
    toolFrames.push(sse('content_block_start', { index, content_block: { type: 'tool_use', id: tc.id, name: tc.name, input: {} } }));
    toolFrames.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }));
    for (const piece of splitText(tc.raw, 3)) toolFrames.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
    toolFrames.push(sse('content_block_stop', { index: index++ }));
  }
  const tail = [
    sse('message_delta', {
      delta: { stop_reason: a.toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: a.outputTokens },
    }),
    sse('message_stop', {}),
  ];

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': requestId() });

  if (b.kind === 'malformed') {
    await writeFrames(res, [start, 'event: content_block_start\ndata: {"type": "content_block_start", "index": 0, "content_bl\n\n'], gapMs);
    res.end();
    return;
  }
  if (b.kind === 'truncate' || b.kind === 'stream-error') {
    const deltas = contentDeltas.slice(0, b.afterChunks);
    while (deltas.length < b.afterChunks) deltas.push(sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ` part${deltas.length}` } }));
    if (!(await writeFrames(res, [start, ...textFrames, ...deltas], gapMs))) return;
    await sleep(gapMs);
    if (b.kind === 'truncate') {
      res.destroy();
      return;
    }
    res.write(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: b.message ?? 'Overloaded' } })}\n\n`);
    res.end();
    return;
  }
  if (await writeFrames(res, [start, ...thinkingFrames, ...textFrames, ...contentDeltas, ...textStop, ...toolFrames, ...tail], gapMs)) res.end();
}
