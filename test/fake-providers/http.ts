// Shared plumbing for fake provider servers: a node:http server on a free
// loopback port, request recording, the scripted Behaviour queue and the
// transport-level behaviours (hang, reset) that look the same for every
// provider. Provider fakes only speak their wire format on top of this.
import { createHash } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Behaviour, FakeProvider, RecordedRequest } from './scenario';

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Takes the next scripted behaviour (`ok`, or `conversation` for a fake that follows conversations, when the queue is empty). Call once, after auth. */
  takeBehaviour(): Behaviour;
}

export type FakeHandler = (req: FakeRequest, res: http.ServerResponse) => Promise<void> | void;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface FakeServerOptions {
  /** Listen over TLS with this key and certificate (PEM), HTTP/2 and HTTP/1.1 by ALPN as providers' front ends do; the URL is then https://localhost:PORT. */
  tls?: { key: string; cert: string };
}

export async function startFakeServer(handler: FakeHandler, options: FakeServerOptions = {}): Promise<FakeProvider> {
  const queue: Behaviour[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let conversational = false;

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake.local');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname + url.search,
        headers: { ...req.headers },
        body,
        httpVersion: req.httpVersion,
      };
      requests.push(recorded);
      res.on('close', () => {
        if (!res.writableEnded) recorded.abandoned = true;
      });
      const fake: FakeRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        takeBehaviour: () => queue.shift() ?? (conversational ? { kind: 'conversation' } : { kind: 'ok' }),
      };
      Promise.resolve(handler(fake, res)).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`fake provider crashed: ${String(err)}`);
        } else {
          res.destroy();
        }
      });
    });
  };
  // node:http2's compatibility request and response stand in for node:http's (what the fakes use of them they have).
  const server = options.tls
    ? http2.createSecureServer({ ...options.tls, allowHTTP1: true }, listener as unknown as Parameters<typeof http2.createSecureServer>[1])
    : http.createServer(listener);
  server.on(options.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(Number(process.env.FAKE_PROVIDER_PORT ?? 0), '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const dropConnections = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    url: options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...behaviours: Behaviour[]) => {
      queue.push(...behaviours);
    },
    clear: () => {
      queue.length = 0;
    },
    followConversations: (on = true) => {
      conversational = on;
    },
    dropConnections,
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Handles the behaviours that do not depend on the wire format. Returns true
 * when the request is dealt with (the caller must not answer it).
 */
export function handleTransportBehaviour(b: Behaviour, res: http.ServerResponse): boolean {
  if (b.kind === 'hang') {
    // Never answer; close() destroys the socket.
    return true;
  }
  if (b.kind === 'reset') {
    res.socket?.destroy();
    return true;
  }
  return false;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** 200 with a body that claims to be JSON but is not. */
export function sendMalformed(res: http.ServerResponse): void {
  const text = '{"id": "broken", "choices": [';
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** 200 JSON whose body stops part-way: the connection is cut after `partialBody`. */
export function sendTruncatedJson(res: http.ServerResponse, partialBody: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(partialBody);
  res.socket?.destroy();
}

/** Writes stream frames with a real delay between them; stops if the client went away. */
export async function writeFrames(res: http.ServerResponse, frames: string[], gapMs: number): Promise<boolean> {
  for (let i = 0; i < frames.length; i++) {
    if (res.destroyed || res.writableEnded) return false;
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    if (res.destroyed) return false;
    res.write(frames[i]);
  }
  return true;
}

export function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** The last user message's text, for the default `echo: ...` answer. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: string; content?: unknown };
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      const texts = m.content
        .filter((p: { type?: string; text?: unknown }) => p && p.type === 'text' && typeof p.text === 'string')
        .map((p: { text: string }) => p.text);
      if (texts.length > 0) return texts.join(' ');
    }
  }
  return '';
}

/** A tool result's content as text, whatever shape the wire format gives it (string, text parts, JSON). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => partText(p)).join('');
  return JSON.stringify(content ?? null);
}

function partText(part: unknown): string {
  if (typeof part === 'string') return part;
  const p = (part ?? {}) as { text?: unknown; json?: unknown; document?: { data?: unknown } };
  if (typeof p.text === 'string') return p.text;
  if (p.json !== undefined) return JSON.stringify(p.json);
  if (p.document?.data !== undefined) return typeof p.document.data === 'string' ? p.document.data : JSON.stringify(p.document.data);
  return JSON.stringify(part);
}

/**
 * A short id part derived from the conversation: tool-call ids stay the same
 * for the same messages (a stream and a whole answer agree) and differ from
 * turn to turn, as real providers' ids never repeat within a conversation.
 */
export function conversationTag(messages: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(messages ?? null))
    .digest('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 10);
}

/** Splits text into a few pieces so a stream has several content chunks. */
export function splitText(text: string, pieces = 3): string[] {
  if (text.length === 0) return [''];
  const size = Math.max(1, Math.ceil(text.length / pieces));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Rough token count for fake usage numbers (words). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
