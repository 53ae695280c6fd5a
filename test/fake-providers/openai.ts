// Fake OpenAI-wire server: OpenAI (`/v1/chat/completions`, `/v1/embeddings`,
// Bearer auth), Azure OpenAI (`/openai/deployments/<d>/...?api-version=`,
// `api-key` auth) and any OpenAI-compatible provider (Mistral, vLLM...) on
// the `/v1` paths. Bodies, SSE framing and error envelopes follow
// https://platform.openai.com/docs/api-reference/chat and
// https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
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
  type FakeRequest,
  type FakeServerOptions,
} from './http';

export interface FakeOpenAIOptions {
  /** Key the fake accepts (Bearer for /v1, `api-key` for Azure). Default 'test-key'. */
  apiKey?: string;
  /** Default gap between stream chunks when the behaviour does not say. Default 5 ms. */
  chunkGapMs?: number;
  /**
   * `when-asked` (OpenAI): a usage-only chunk when `stream_options.include_usage`.
   * `always-last` (Mistral): usage on the finishing chunk, whatever was asked.
   */
  streamUsage?: 'when-asked' | 'always-last';
  /** Over TLS (HTTP/2 or HTTP/1.1 by ALPN), with this key and certificate. */
  tls?: FakeServerOptions['tls'];
}

type Flavour = 'openai' | 'azure';

interface ChatBody {
  model?: string;
  messages?: unknown[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  n?: number;
}

export function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeProvider> {
  const apiKey = opts.apiKey ?? 'test-key';
  const defaultGap = opts.chunkGapMs ?? 5;

  return startFakeServer(
    async (req, res) => {
      const route = matchRoute(req);
      if (!route) {
        sendNativeError(res, 'openai', 404, `Invalid URL (${req.method} ${req.path})`);
        return;
      }
      if (route.flavour === 'azure' && !req.query.get('api-version')) {
        sendJson(res, 404, { error: { code: '404', message: 'Resource not found' } });
        return;
      }
      if (!authorized(req, route.flavour, apiKey)) {
        if (route.flavour === 'azure') {
          sendJson(res, 401, {
            error: {
              code: '401',
              message:
                'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
            },
          });
        } else {
          sendJson(res, 401, {
            error: {
              message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_api_key',
            },
          });
        }
        return;
      }
      let body: ChatBody & Record<string, unknown>;
      try {
        body = JSON.parse(req.body) as ChatBody & Record<string, unknown>;
      } catch {
        sendNativeError(res, route.flavour, 400, 'We could not parse the JSON body of your request.');
        return;
      }

      const b = followConversation(req.takeBehaviour(), () => readConversation(body));
      if (handleTransportBehaviour(b, res)) return;
      if (b.kind === 'status') {
        const headers: Record<string, string> = {};
        if (b.retryAfterSeconds !== undefined) headers['retry-after'] = String(b.retryAfterSeconds);
        sendNativeError(res, route.flavour, b.status, b.message, headers);
        return;
      }
      if (b.kind === 'ok' && b.delayMs) await sleep(b.delayMs);

      if (route.kind === 'embeddings') {
        if (b.kind === 'malformed') return sendMalformed(res);
        if (b.kind === 'truncate' || b.kind === 'stream-error')
          return sendNativeError(res, route.flavour, 500, b.kind === 'stream-error' ? b.message : undefined);
        sendJson(res, 200, embeddingsResponse(body, route.model ?? String(body.model ?? 'text-embedding-3-small')));
        return;
      }

      const model = route.model ?? String(body.model ?? 'gpt-4o-mini');
      const answer = answerFor(b, body);
      if (body.stream) {
        await streamChat(
          res,
          route.flavour,
          model,
          body,
          answer,
          b,
          b.kind === 'ok' && b.chunkGapMs !== undefined ? b.chunkGapMs : defaultGap,
          opts.streamUsage ?? 'when-asked',
        );
        return;
      }
      if (b.kind === 'malformed') return sendMalformed(res);
      if (b.kind === 'truncate') {
        // Announce a full body, send half, cut the connection.
        const text = JSON.stringify(completionBody(route.flavour, model, body, answer));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        await sleep(5);
        res.destroy();
        return;
      }
      if (b.kind === 'stream-error') return sendNativeError(res, route.flavour, 500, b.message);
      sendJson(res, 200, completionBody(route.flavour, model, body, answer), { 'x-request-id': `req_${randomUUID().replace(/-/g, '')}` });
    },
    { tls: opts.tls },
  );
}

/** OpenAI wire (also Cohere v2 and Ollama's shape): trailing `tool` messages are the last turn's results. */
export function readConversation(body: { messages?: unknown; tools?: unknown }): ConversationTurn {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
  const toolResults: string[] = [];
  for (let i = messages.length - 1; i >= 0 && messages[i]!.role === 'tool'; i--) toolResults.unshift(contentText(messages[i]!.content));
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: unknown } }>) : [];
  return { toolResults, lastUserText: lastUserText(messages), toolNames: tools.map((t) => String((t.function?.name as string | undefined) ?? '')) };
}

interface Route {
  flavour: Flavour;
  kind: 'chat' | 'embeddings';
  /** Azure: the deployment answers as its model. */
  model?: string;
}

function matchRoute(req: FakeRequest): Route | undefined {
  if (req.method !== 'POST') return undefined;
  if (req.path === '/v1/chat/completions') return { flavour: 'openai', kind: 'chat' };
  if (req.path === '/v1/embeddings') return { flavour: 'openai', kind: 'embeddings' };
  const azure = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(req.path);
  if (azure) return { flavour: 'azure', kind: azure[2] === 'embeddings' ? 'embeddings' : 'chat', model: decodeURIComponent(azure[1]!) };
  return undefined;
}

function authorized(req: FakeRequest, flavour: Flavour, apiKey: string): boolean {
  if (flavour === 'azure') return headerValue(req.headers, 'api-key') === apiKey;
  return headerValue(req.headers, 'authorization') === `Bearer ${apiKey}`;
}

const ERROR_TYPES: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later' },
};

function sendNativeError(res: http.ServerResponse, flavour: Flavour, status: number, message?: string, headers: Record<string, string> = {}): void {
  const known = ERROR_TYPES[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, message: `HTTP ${status}` };
  if (flavour === 'azure') {
    sendJson(res, status, { error: { code: known.code ?? String(status), message: message ?? known.message } }, headers);
  } else {
    sendJson(res, status, { error: { message: message ?? known.message, type: known.type, param: null, code: known.code } }, headers);
  }
}

interface Answer {
  text: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  promptTokens: number;
}

function answerFor(b: Behaviour, body: ChatBody): Answer {
  const promptTokens = Math.max(1, countWords(JSON.stringify(body.messages ?? [])));
  const toolCalls = (b.kind === 'ok' ? (b.toolCalls ?? []) : []).map((tc, i) => ({ id: `call_fake${i}_${randomUUID().slice(0, 8)}`, ...tc }));
  const text = b.kind === 'ok' && b.text !== undefined ? b.text : toolCalls.length > 0 ? '' : `echo: ${lastUserText(body.messages)}`;
  return { text, toolCalls, promptTokens };
}

function usageOf(a: Answer) {
  const completion = Math.max(1, countWords(a.text) + a.toolCalls.length * 5);
  return { prompt_tokens: a.promptTokens, completion_tokens: completion, total_tokens: a.promptTokens + completion };
}

function completionBody(flavour: Flavour, model: string, _body: ChatBody, a: Answer) {
  const message: Record<string, unknown> = { role: 'assistant', content: a.toolCalls.length > 0 && a.text === '' ? null : a.text, refusal: null };
  if (a.toolCalls.length > 0) {
    message.tool_calls = a.toolCalls.map((tc) => ({ id: tc.id, type: 'function', function: { name: tc.name, arguments: tc.arguments } }));
  }
  const out: Record<string, unknown> = {
    id: `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 29)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: a.toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
    usage: usageOf(a),
    system_fingerprint: 'fp_fake',
  };
  if (flavour === 'azure') out.prompt_filter_results = [{ prompt_index: 0, content_filter_results: {} }];
  return out;
}

async function streamChat(
  res: http.ServerResponse,
  flavour: Flavour,
  model: string,
  body: ChatBody,
  a: Answer,
  b: Behaviour,
  gapMs: number,
  streamUsage: NonNullable<FakeOpenAIOptions['streamUsage']>,
): Promise<void> {
  const id = `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 29)}`;
  const created = Math.floor(Date.now() / 1000);
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices, ...extra })}\n\n`;
  const delta = (d: Record<string, unknown>, finish: string | null = null) => frame([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

  const head: string[] = [];
  if (flavour === 'azure') {
    head.push(
      `data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] })}\n\n`,
    );
  }
  // Like OpenAI: an answer that only calls tools opens with the role, content null and the first call in one delta.
  const toolsOnly = a.text === '' && a.toolCalls.length > 0;
  if (!toolsOnly) head.push(delta({ role: 'assistant', content: '', refusal: null }));
  const content = a.text === '' ? [] : splitText(a.text, 3).map((piece) => delta({ content: piece }));
  const tools: string[] = [];
  a.toolCalls.forEach((tc, index) => {
    const opening = { index, id: tc.id, type: 'function', function: { name: tc.name, arguments: '' } };
    tools.push(delta(toolsOnly && index === 0 ? { role: 'assistant', content: null, tool_calls: [opening], refusal: null } : { tool_calls: [opening] }));
    for (const piece of splitText(tc.arguments, 3)) tools.push(delta({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  const finish = a.toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const tail =
    streamUsage === 'always-last' ? [frame([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }], { usage: usageOf(a) })] : [delta({}, finish)];
  if (streamUsage === 'when-asked' && body.stream_options?.include_usage) tail.push(frame([], { usage: usageOf(a) }));
  tail.push('data: [DONE]\n\n');

  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });

  if (b.kind === 'malformed') {
    await writeFrames(res, [...head, 'data: {"id": "chatcmpl-broken", "choices": [\n\n'], gapMs);
    res.end();
    return;
  }
  if (b.kind === 'truncate' || b.kind === 'stream-error') {
    const sent = await writeFrames(res, [...head, ...padContent(content, b.afterChunks, delta)], gapMs);
    if (!sent) return;
    if (b.kind === 'truncate') {
      await sleep(gapMs);
      res.destroy();
      return;
    }
    await sleep(gapMs);
    const error = {
      message: b.message ?? 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    };
    res.write(`data: ${JSON.stringify({ error })}\n\n`);
    res.end();
    return;
  }
  if (await writeFrames(res, [...head, ...content, ...tools, ...tail], gapMs)) res.end();
}

/** Exactly `n` content chunks (the scripted behaviours count content chunks). */
function padContent(content: string[], n: number, delta: (d: Record<string, unknown>) => string): string[] {
  const out = content.slice(0, n);
  while (out.length < n) out.push(delta({ content: ` part${out.length}` }));
  return out;
}

function embeddingsResponse(body: Record<string, unknown>, model: string) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const dims = typeof body.dimensions === 'number' ? body.dimensions : 8;
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    tokens += Math.max(1, countWords(text));
    const vector = vectorFor(text, dims);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/** Deterministic unit-ish vector from the text, so tests can compare. */
function vectorFor(text: string, dims: number): number[] {
  const out: number[] = [];
  let h = 2166136261;
  for (let i = 0; i < dims; i++) {
    for (const ch of `${i}:${text}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
    out.push(Math.round((((h >>> 0) % 2000) / 1000 - 1) * 1e6) / 1e6);
  }
  return out;
}
