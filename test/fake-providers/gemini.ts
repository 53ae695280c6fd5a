// Fake Google AI Gemini API: generateContent, streamGenerateContent?alt=sse,
// embedContent, batchEmbedContents, with Gemini's own error bodies
// (google.rpc.Status, RetryInfo) and auth behaviour (missing key 403,
// wrong key 400 API_KEY_INVALID).
import type http from 'node:http';
import {
  contentText,
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
import { followConversation, type Behaviour, type ConversationTurn, type FakeProvider } from './scenario';

export interface GeminiFakeOptions {
  apiKey?: string;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function status(code: number, message: string, details: unknown[] = []): unknown {
  return { error: { code, message, status: STATUS_NAMES[code] ?? 'UNKNOWN', ...(details.length > 0 ? { details } : {}) } };
}

interface GeminiBody {
  contents?: Array<{ role?: string; parts?: Array<{ text?: string; functionResponse?: { name?: string; response?: unknown } }> }>;
  tools?: Array<{ functionDeclarations?: Array<{ name?: string }> }>;
  requests?: Array<{ content?: { parts?: Array<{ text?: string }> }; outputDimensionality?: number }>;
  content?: { parts?: Array<{ text?: string }> };
  outputDimensionality?: number;
  generationConfig?: { thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean } };
}

/**
 * Thinking as Gemini documents it (https://ai.google.dev/gemini-api/docs/thinking):
 * a thought summary part (`thought: true`) first when includeThoughts is set,
 * its tokens in usageMetadata.thoughtsTokenCount; a level and a budget together are refused.
 */
function thinkingRefusal(body: GeminiBody): string | undefined {
  const t = body.generationConfig?.thinkingConfig;
  return t?.thinkingLevel !== undefined && t.thinkingBudget !== undefined
    ? 'Invalid argument: thinking_level and thinking_budget cannot both be set.'
    : undefined;
}

function thoughtPart(body: GeminiBody, prompt: string): { text: string; thought: true } | undefined {
  return body.generationConfig?.thinkingConfig?.includeThoughts ? { text: `Thinking about: ${prompt}`, thought: true } : undefined;
}

function lastUserText(body: GeminiBody): string {
  const contents = body.contents ?? [];
  for (let i = contents.length - 1; i >= 0; i--) {
    const c = contents[i]!;
    if (c.role !== undefined && c.role !== 'user') continue;
    const texts = (c.parts ?? []).filter((p) => typeof p.text === 'string').map((p) => p.text!);
    if (texts.length > 0) return texts.join(' ');
  }
  return '';
}

/** The last turn's results are the functionResponse parts of the final content. */
function readConversation(body: GeminiBody): ConversationTurn {
  const parts = (body.contents ?? []).at(-1)?.parts ?? [];
  return {
    toolResults: parts.filter((p) => p.functionResponse).map((p) => contentText(p.functionResponse!.response)),
    lastUserText: lastUserText(body),
    toolNames: (body.tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((d) => String(d.name ?? ''))),
  };
}

// GenerateContentRequest and Part fields (https://ai.google.dev/api/generate-content, https://ai.google.dev/api/caching#Part):
// Gemini parses requests as protobuf JSON and refuses any name it does not know.
const REQUEST_FIELDS = new Set(['model', 'contents', 'tools', 'toolConfig', 'safetySettings', 'systemInstruction', 'generationConfig', 'cachedContent']);
const CONTENT_FIELDS = new Set(['role', 'parts']);
const PART_FIELDS = new Set([
  'text',
  'inlineData',
  'functionCall',
  'functionResponse',
  'fileData',
  'executableCode',
  'codeExecutionResult',
  'thought',
  'thoughtSignature',
  'videoMetadata',
  'partMetadata',
  'mediaResolution',
]);

/** Gemini's answer to a field it does not know, or undefined when every name is known. */
function unknownName(body: GeminiBody): string | undefined {
  const bad = (o: object, known: Set<string>, at?: string) => {
    const name = Object.keys(o).find((k) => !known.has(k));
    return name === undefined ? undefined : `Invalid JSON payload received. Unknown name "${name}"${at ? ` at '${at}'` : ''}: Cannot find field.`;
  };
  const top = bad(body, REQUEST_FIELDS);
  if (top) return top;
  for (const [i, c] of (body.contents ?? []).entries()) {
    const inContent = bad(c, CONTENT_FIELDS, `contents[${i}]`);
    if (inContent) return inContent;
    for (const [j, part] of (c.parts ?? []).entries()) {
      const inPart = bad(part, PART_FIELDS, `contents[${i}].parts[${j}]`);
      if (inPart) return inPart;
    }
  }
  return undefined;
}

function usage(prompt: string, output: string): Record<string, number> {
  const p = countWords(prompt) + 1;
  const c = countWords(output) + 1;
  return { promptTokenCount: p, candidatesTokenCount: c, totalTokenCount: p + c };
}

/** Deterministic fake vector derived from the text. */
function vector(text: string, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => Number((((text.charCodeAt(i % Math.max(1, text.length)) || 0) % 97) / 97).toFixed(6)));
}

function functionCallParts(b: Extract<Behaviour, { kind: 'ok' }>): unknown[] {
  return (b.toolCalls ?? []).map((call, i) => ({
    functionCall: { name: call.name, args: JSON.parse(call.arguments || '{}') },
    // Like Gemini 2.5+/3: the first function call of a turn carries the signature.
    ...(i === 0 ? { thoughtSignature: `sig-${call.name}` } : {}),
  }));
}

function sendError(res: http.ServerResponse, b: Extract<Behaviour, { kind: 'status' }>): void {
  const details = b.retryAfterSeconds !== undefined ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${b.retryAfterSeconds}s` }] : [];
  sendJson(res, b.status, status(b.status, b.message ?? `fake Gemini error ${b.status}`, details));
}

async function answerChat(res: http.ServerResponse, body: GeminiBody, model: string, stream: boolean, b: Behaviour): Promise<void> {
  if (b.kind === 'status') return sendError(res, b);
  if (b.kind === 'malformed') return sendMalformed(res);
  const ok = b.kind === 'ok' ? b : { kind: 'ok' as const };
  if (ok.delayMs) await sleep(ok.delayMs);
  const prompt = lastUserText(body);
  const text = ok.text ?? `echo: ${prompt}`;
  const calls = functionCallParts(ok);
  const withTools = calls.length > 0;
  const thought = thoughtPart(body, prompt);
  const usageWithThoughts = () => {
    const u = usage(prompt, text);
    if (!thought) return u;
    const thoughts = countWords(thought.text);
    return { ...u, thoughtsTokenCount: thoughts, totalTokenCount: u.totalTokenCount! + thoughts };
  };

  if (!stream) {
    if (b.kind === 'truncate') {
      return sendTruncatedJson(res, '{"candidates": [{"content": {"parts": [{"text": "cut');
    }
    if (b.kind === 'stream-error') return sendJson(res, 500, status(500, b.message ?? 'An internal error has occurred.'));
    return sendJson(res, 200, {
      candidates: [{ content: { role: 'model', parts: [...(thought ? [thought] : []), ...(withTools ? calls : [{ text }])] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usageWithThoughts(),
      modelVersion: model,
      responseId: 'fake-response-id',
    });
  }

  const frame = (payload: unknown): string => `data: ${JSON.stringify(payload)}\r\n\r\n`;
  const pieces = withTools ? [] : splitText(text);
  const contentFrames = pieces.map((piece) => frame({ candidates: [{ content: { role: 'model', parts: [{ text: piece }] }, index: 0 }], modelVersion: model }));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const gap = ok.chunkGapMs ?? 10;
  if (b.kind === 'truncate' || b.kind === 'stream-error') {
    const sent = await writeFrames(res, contentFrames.slice(0, b.afterChunks), gap);
    if (!sent) return;
    if (b.kind === 'truncate') {
      res.socket?.destroy();
      return;
    }
    await sleep(gap);
    res.end(frame(status(503, b.message ?? 'The model is overloaded. Please try again later.')));
    return;
  }
  const frames = [
    ...(thought ? [frame({ candidates: [{ content: { role: 'model', parts: [thought] }, index: 0 }], modelVersion: model })] : []),
    ...contentFrames,
    ...calls.map((part) => frame({ candidates: [{ content: { role: 'model', parts: [part] }, index: 0 }], modelVersion: model })),
    frame({
      candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: usageWithThoughts(),
      modelVersion: model,
    }),
  ];
  if (await writeFrames(res, frames, gap)) res.end();
}

export function startGeminiFake(options: GeminiFakeOptions = {}): Promise<FakeProvider> {
  const apiKey = options.apiKey ?? 'test-key';
  return startFakeServer(async (req, res) => {
    const match = /^\/(v1beta|v1)\/(models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.exec(req.path);
    if (req.method !== 'POST' || !match) {
      return sendJson(res, 404, status(404, `Method not found: ${req.method} ${req.path}`));
    }
    const key = headerValue(req.headers, 'x-goog-api-key') ?? req.query.get('key');
    if (!key) {
      return sendJson(
        res,
        403,
        status(
          403,
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        ),
      );
    }
    if (key !== apiKey) {
      return sendJson(
        res,
        400,
        status(400, 'API key not valid. Please pass a valid API key.', [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ]),
      );
    }
    let body: GeminiBody;
    try {
      body = JSON.parse(req.body) as GeminiBody;
    } catch {
      return sendJson(res, 400, status(400, 'Invalid JSON payload received.'));
    }
    const b = followConversation(req.takeBehaviour(), () => readConversation(body));
    if (handleTransportBehaviour(b, res)) return;
    const method = match[4]!;
    const model = decodeURIComponent(match[3]!);

    if (method === 'embedContent' || method === 'batchEmbedContents') {
      if (b.kind === 'status') return sendError(res, b);
      if (b.kind === 'malformed') return sendMalformed(res);
      const one = (r: { content?: { parts?: Array<{ text?: string }> }; outputDimensionality?: number }) => ({
        values: vector((r.content?.parts ?? []).map((p) => p.text ?? '').join(''), r.outputDimensionality ?? 8),
      });
      if (method === 'embedContent') return sendJson(res, 200, { embedding: one(body) });
      return sendJson(res, 200, { embeddings: (body.requests ?? []).map(one) });
    }

    const unknown = unknownName(body) ?? thinkingRefusal(body);
    if (unknown) return sendJson(res, 400, status(400, unknown));
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      return sendJson(res, 400, status(400, '* GenerateContentRequest.contents: contents is not specified'));
    }
    const stream = method === 'streamGenerateContent';
    if (stream && req.query.get('alt') !== 'sse') {
      // Without alt=sse Gemini streams a JSON array; the gateway always asks for SSE.
      return sendJson(res, 400, status(400, 'The fake only streams with alt=sse'));
    }
    await answerChat(res, body, model, stream, b);
  });
}
