// Fake Amazon Bedrock Runtime: Converse, ConverseStream (binary AWS event
// stream with real gaps between frames) and InvokeModel for Titan / Cohere
// embeddings. Requests must carry a well-formed SigV4 Authorization header;
// the fake recomputes the signature with @smithy/signature-v4 and the shared
// test secret and answers 403 InvalidSignatureException when it differs, or
// accepts `Authorization: Bearer <apiKey>` (Bedrock API keys).
import type http from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import {
  contentText,
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
  type FakeRequest,
} from './http';
import { bedrockCacheUsage, bedrockThinking, bedrockThinkingRefusal } from './bedrock-thinking-and-cache';
import { followConversation, type Behaviour, type ConversationTurn, type FakeProvider } from './scenario';

export interface BedrockFakeOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Accepted as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

export const BEDROCK_TEST_CREDENTIALS = { accessKeyId: 'AKIDFAKEBEDROCK', secretAccessKey: 'fake-bedrock-secret' };

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One ConverseStream frame (`:message-type: event`). */
export function encodeBedrockEvent(eventType: string, payload: unknown): Uint8Array {
  const headers: MessageHeaders = {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'event' },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

/** An exception frame (`:message-type: exception`, e.g. `throttlingException`). */
export function encodeBedrockException(exceptionType: string, message: string): Uint8Array {
  const headers: MessageHeaders = {
    ':exception-type': { type: 'string', value: exceptionType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'exception' },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ message })) });
}

const EXCEPTION_BY_STATUS: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

function sendException(res: http.ServerResponse, status: number, name: string, message: string, extra: Record<string, string> = {}): void {
  sendJson(
    res,
    status,
    { message },
    { 'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'fake-request-id', ...extra },
  );
}

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

async function checkAuth(
  req: FakeRequest,
  options: Required<Omit<BedrockFakeOptions, 'apiKey'>> & { apiKey?: string },
): Promise<{ status: number; name: string; message: string } | undefined> {
  const auth = headerValue(req.headers, 'authorization');
  if (!auth) return { status: 403, name: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  if (auth.startsWith('Bearer ')) {
    return options.apiKey !== undefined && auth.slice(7) === options.apiKey
      ? undefined
      : { status: 403, name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  const m = SIGV4.exec(auth);
  const amzDate = headerValue(req.headers, 'x-amz-date');
  if (!m || !amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return { status: 403, name: 'IncompleteSignatureException', message: 'Authorization header requires Credential, SignedHeaders and Signature.' };
  }
  const [, keyId, , region, signedHeaders] = m;
  if (keyId !== options.accessKeyId)
    return { status: 403, name: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  // Recompute with the same library and the shared secret over the headers the client signed.
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) headers[name] = headerValue(req.headers, name) ?? '';
  const signer = new SignatureV4({
    service: 'bedrock',
    region: region!,
    credentials: {
      accessKeyId: keyId,
      secretAccessKey: options.secretAccessKey,
      ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}),
    },
    sha256: Sha256,
  });
  const [host, port] = (headers.host ?? '').split(':');
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: host!,
      ...(port ? { port: Number(port) } : {}),
      path: req.path,
      query: Object.fromEntries(req.query),
      headers,
      body: req.body,
    },
    { signingDate },
  );
  if (expected.headers.authorization !== auth) {
    return { status: 403, name: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' };
  }
  return undefined;
}

interface ConverseBody {
  messages?: Array<{ role?: string; content?: Array<{ text?: string; toolResult?: { content?: unknown } }> }>;
  toolConfig?: { tools?: Array<{ toolSpec?: { name?: string } }> };
  inputText?: string;
  texts?: string[];
  dimensions?: number;
}

function lastUserText(body: ConverseBody): string {
  const messages = body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const texts = (m.content ?? []).filter((c) => typeof c.text === 'string').map((c) => c.text!);
    if (texts.length > 0) return texts.join(' ');
  }
  return '';
}

/** The last turn's results are the toolResult blocks of the final user message. */
function readConversation(body: ConverseBody): ConversationTurn {
  const last = (body.messages ?? []).at(-1);
  const blocks = last?.role === 'user' ? (last.content ?? []) : [];
  return {
    toolResults: blocks.filter((b) => b.toolResult).map((b) => contentText(b.toolResult!.content ?? '')),
    lastUserText: lastUserText(body),
    toolNames: (body.toolConfig?.tools ?? []).map((t) => String(t.toolSpec?.name ?? '')),
  };
}

function vector(text: string, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => Number((((text.charCodeAt(i % Math.max(1, text.length)) || 0) % 89) / 89).toFixed(6)));
}

async function answerConverse(res: http.ServerResponse, body: ConverseBody, stream: boolean, b: Behaviour, cached: Set<string>): Promise<void> {
  if (b.kind === 'status') {
    const name = EXCEPTION_BY_STATUS[b.status] ?? 'InternalServerException';
    const headers: Record<string, string> = b.retryAfterSeconds !== undefined ? { 'retry-after': String(b.retryAfterSeconds) } : {};
    return sendException(res, b.status, name, b.message ?? `fake Bedrock ${name}`, headers);
  }
  if (b.kind === 'malformed') return sendMalformed(res);
  const ok = b.kind === 'ok' ? b : { kind: 'ok' as const };
  if (ok.delayMs) await sleep(ok.delayMs);
  const prompt = lastUserText(body);
  const text = ok.text ?? `echo: ${prompt}`;
  const calls = (ok.toolCalls ?? []).map((c, i) => ({
    toolUseId: `tooluse_${conversationTag(body.messages)}${i + 1}`,
    name: c.name,
    input: JSON.parse(c.arguments || '{}') as unknown,
    raw: c.arguments,
  }));
  const thinking = bedrockThinking(body, prompt);
  const cache = bedrockCacheUsage(body, cached);
  const all = countWords(JSON.stringify(body.messages ?? [])) + 1;
  const out = countWords(text) + 1 + (thinking ? countWords(thinking.text) : 0);
  const usage = {
    // inputTokens leaves out what was read from or written to the cache.
    inputTokens: Math.max(1, all - cache.read - cache.write),
    outputTokens: out,
    totalTokens: all + out,
    ...(cache.read || cache.write ? { cacheReadInputTokens: cache.read, cacheWriteInputTokens: cache.write } : {}),
  };
  const stopReason = calls.length > 0 ? 'tool_use' : 'end_turn';
  const reasoning = thinking ? [{ reasoningContent: { reasoningText: { text: thinking.text, signature: thinking.signature } } }] : [];
  const first = thinking ? 1 : 0;

  if (!stream) {
    if (b.kind === 'truncate') {
      return sendTruncatedJson(res, '{"output":{"message":{"role":"assistant","content":[{"text":"cut');
    }
    if (b.kind === 'stream-error') return sendException(res, 424, 'ModelErrorException', b.message ?? 'The model failed to process the request.');
    return sendJson(res, 200, {
      output: {
        message: {
          role: 'assistant',
          content: [...reasoning, ...(calls.length > 0 ? calls.map(({ toolUseId, name, input }) => ({ toolUse: { toolUseId, name, input } })) : [{ text }])],
        },
      },
      stopReason,
      usage,
      metrics: { latencyMs: 42 },
    });
  }

  const pieces = calls.length > 0 ? [] : splitText(text);
  const contentFrames = pieces.map((piece) => encodeBedrockEvent('contentBlockDelta', { contentBlockIndex: first, delta: { text: piece }, p: 'abcdef' }));
  const frames: Uint8Array[] = [encodeBedrockEvent('messageStart', { role: 'assistant', p: 'abc' })];
  if (thinking && b.kind === 'ok') {
    for (const piece of splitText(thinking.text, 2))
      frames.push(encodeBedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: piece } } }));
    frames.push(encodeBedrockEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: thinking.signature } } }));
    frames.push(encodeBedrockEvent('contentBlockStop', { contentBlockIndex: 0 }));
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'fake-request-id' });
  const gap = ok.chunkGapMs ?? 10;
  if (b.kind === 'truncate' || b.kind === 'stream-error') {
    if (!(await writeBinary(res, [...frames, ...contentFrames.slice(0, b.afterChunks)], gap))) return;
    if (b.kind === 'truncate') {
      res.socket?.destroy();
      return;
    }
    await sleep(gap);
    res.end(Buffer.from(encodeBedrockException('modelStreamErrorException', b.message ?? 'The model stream failed.')));
    return;
  }
  if (pieces.length > 0) frames.push(...contentFrames, encodeBedrockEvent('contentBlockStop', { contentBlockIndex: first }));
  calls.forEach((call, k) => {
    const i = k + first;
    frames.push(encodeBedrockEvent('contentBlockStart', { contentBlockIndex: i, start: { toolUse: { toolUseId: call.toolUseId, name: call.name } } }));
    // Stream the arguments in pieces, exactly as the model wrote them.
    for (const piece of call.raw.length > 0 ? splitText(call.raw, 4) : []) {
      frames.push(encodeBedrockEvent('contentBlockDelta', { contentBlockIndex: i, delta: { toolUse: { input: piece } } }));
    }
    frames.push(encodeBedrockEvent('contentBlockStop', { contentBlockIndex: i }));
  });
  frames.push(encodeBedrockEvent('messageStop', { stopReason }), encodeBedrockEvent('metadata', { usage, metrics: { latencyMs: 42 } }));
  if (await writeBinary(res, frames, gap)) res.end();
}

async function writeBinary(res: http.ServerResponse, frames: Uint8Array[], gapMs: number): Promise<boolean> {
  for (let i = 0; i < frames.length; i++) {
    if (res.destroyed || res.writableEnded) return false;
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    if (res.destroyed) return false;
    res.write(Buffer.from(frames[i]!));
  }
  return true;
}

export function startBedrockFake(options: BedrockFakeOptions = {}): Promise<FakeProvider> {
  const opts = {
    accessKeyId: options.accessKeyId ?? BEDROCK_TEST_CREDENTIALS.accessKeyId,
    secretAccessKey: options.secretAccessKey ?? BEDROCK_TEST_CREDENTIALS.secretAccessKey,
    apiKey: options.apiKey,
  };
  const cached = new Set<string>();
  return startFakeServer(async (req, res) => {
    const match = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(req.path);
    if (req.method !== 'POST' || !match) return sendException(res, 404, 'UnknownOperationException', `No route for ${req.method} ${req.path}`);
    const denied = await checkAuth(req, opts);
    if (denied) return sendException(res, denied.status, denied.name, denied.message);
    let body: ConverseBody;
    try {
      body = JSON.parse(req.body) as ConverseBody;
    } catch {
      return sendException(res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.');
    }
    const b = followConversation(req.takeBehaviour(), () => readConversation(body));
    if (handleTransportBehaviour(b, res)) return;
    const modelId = decodeURIComponent(match[1]!);
    if (match[2] === 'invoke') {
      if (b.kind === 'status') return sendException(res, b.status, EXCEPTION_BY_STATUS[b.status] ?? 'InternalServerException', b.message ?? 'fake error');
      if (b.kind === 'malformed') return sendMalformed(res);
      if (b.kind === 'ok' && b.delayMs) await sleep(b.delayMs);
      if (/titan-embed/.test(modelId)) {
        if (typeof body.inputText !== 'string')
          return sendException(res, 400, 'ValidationException', 'Malformed input request: #: required key [inputText] not found');
        return sendJson(res, 200, { embedding: vector(body.inputText, body.dimensions ?? 8), inputTextTokenCount: countWords(body.inputText) });
      }
      if (/cohere\.embed/.test(modelId)) {
        return sendJson(res, 200, {
          id: 'fake',
          embeddings: { float: (body.texts ?? []).map((t) => vector(t, 8)) },
          texts: body.texts,
          response_type: 'embeddings_by_type',
        });
      }
      return sendException(res, 400, 'ValidationException', `The fake does not invoke ${modelId}`);
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return sendException(
        res,
        400,
        'ValidationException',
        'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
      );
    }
    const refusal = bedrockThinkingRefusal(body);
    if (refusal) return sendException(res, 400, 'ValidationException', refusal);
    await answerConverse(res, body, match[2] === 'converse-stream', b, cached);
  });
}
