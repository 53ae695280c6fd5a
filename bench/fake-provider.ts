// A deliberately simple fake LLM provider for the benchmark: it answers after
// a fixed delay, in OpenAI (`POST /v1/chat/completions`) or Anthropic
// (`POST /v1/messages`) wire format, streamed or not. It runs in its own
// process (`node dist/bench/fake-provider.js '<json options>'`, prints
// `{"ports":[N...]}` once listening) so its timers never share an event loop with
// the gateway or the load generator.
//
// Behaviour is chosen by the destination model name, which the gateway
// passes through:
//   - `*-nodelay*`  answers at once (configuration propagation probes);
//   - `*-hold*`     streams: sends the first chunk, then holds the stream open
//                   until `POST /_release` (memory with open streams);
//   - anything else: the fixed `delayMs`, then the body or `chunks` stream
//                   chunks `gapMs` apart.
// `GET /_stats` reports how many streams are held open, the requests by HTTP
// version and the connections over TLS so far.
// With `tls`, it also listens over TLS, HTTP/2 and HTTP/1.1 by ALPN, as real
// providers' front ends do (and take at most 100 streams per connection).
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface FakeOptions {
  /** Listen on this many ports (one handler): each is a separate origin for the gateway's connection pools. */
  ports?: number;
  /** Time before the (first byte of the) answer. */
  delayMs: number;
  /** Content chunks per stream. */
  chunks: number;
  /** Gap between stream chunks. */
  gapMs: number;
  /** Also listen over TLS on this many ports, with this key and certificate (PEM). */
  tls?: { ports: number; key: string; cert: string };
}

type Request = http.IncomingMessage | http2.Http2ServerRequest;
/** What node:http's response and node:http2's compatibility response have in common, as used here. */
interface Response {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: string): unknown;
  end(chunk: string): unknown;
  once(event: 'close', listener: () => void): unknown;
  destroyed?: boolean;
  stream?: { destroyed: boolean };
}
/** The client went away (node:http2's response has no `destroyed` of its own). */
const gone = (res: Response) => (res.stream ? res.stream.destroyed : res.destroyed === true);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

export async function startFake(opts: FakeOptions): Promise<{ servers: Array<http.Server | http2.Http2SecureServer>; ports: number[]; tlsPorts: number[] }> {
  const held = new Set<() => void>();
  let counter = 0;
  // What reached the fake: requests by HTTP version, connections in plain HTTP and over TLS.
  const versions: Record<string, number> = {};
  let connections = 0;
  let tlsConnections = 0;

  const handler = (req: Request, res: Response) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/_release') {
        const n = held.size;
        for (const release of held) release();
        held.clear();
        return json(res, 200, { released: n });
      }
      if (path === '/_stats') return json(res, 200, { held: held.size, versions, connections, tlsConnections });
      versions[req.httpVersion] = (versions[req.httpVersion] ?? 0) + 1;
      let body: ChatBody = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as ChatBody;
      } catch {
        return json(res, 400, { error: { message: 'bad json', type: 'invalid_request_error' } });
      }
      const model = body.model ?? 'bench';
      const delay = model.includes('-nodelay') ? 0 : opts.delayMs;
      const hold = model.includes('-hold');
      const id = `bench-${process.pid}-${++counter}`;
      const format = path!.endsWith('/messages') ? 'anthropic' : path!.endsWith('/chat/completions') ? 'openai' : undefined;
      if (!format || req.method !== 'POST') return json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'not_found' } });
      void (async () => {
        if (delay > 0) await sleep(delay);
        if (!body.stream) {
          return json(res, 200, format === 'openai' ? openaiCompletion(id, model) : anthropicMessage(id, model));
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const frames =
          format === 'openai' ? openaiFrames(id, model, opts.chunks, body.stream_options?.include_usage === true) : anthropicFrames(id, model, opts.chunks);
        // frames: [opening..., content x N, closing...]; the first content frame goes with the opening.
        const { opening, content, closing } = frames;
        res.write(opening.join('') + content[0]);
        if (hold) {
          await new Promise<void>((resolve) => {
            held.add(resolve);
            res.once('close', () => {
              held.delete(resolve);
              resolve();
            });
          });
        }
        for (let i = 1; i < content.length; i++) {
          if (gone(res)) return;
          if (!hold) await sleep(opts.gapMs);
          res.write(content[i]!);
        }
        if (!gone(res)) res.end(closing.join(''));
      })();
    });
  };
  const servers = Array.from({ length: opts.ports ?? 1 }, () => {
    const server = http.createServer({ keepAlive: true, noDelay: true }, handler);
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 0;
    return server;
  });
  const tlsServers = Array.from({ length: opts.tls?.ports ?? 0 }, () =>
    http2.createSecureServer({ key: opts.tls!.key, cert: opts.tls!.cert, allowHTTP1: true, settings: { maxConcurrentStreams: 100 } }, handler),
  );
  for (const s of servers) s.on('connection', () => connections++);
  for (const s of tlsServers) s.on('secureConnection', () => tlsConnections++);
  const listen = (s: http.Server | http2.Http2SecureServer) =>
    new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const ports = await Promise.all(servers.map(listen));
  const tlsPorts = await Promise.all(tlsServers.map(listen));
  return { servers: [...servers, ...tlsServers], ports, tlsPorts };
}

function json(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const ANSWER = 'This is a fixed answer from the benchmark fake provider.';

export function openaiCompletion(id: string, model: string) {
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: ANSWER, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 12, completion_tokens: 11, total_tokens: 23 },
  };
}

export function anthropicMessage(id: string, model: string) {
  return {
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: ANSWER }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 11 },
  };
}

interface Frames {
  opening: string[];
  content: string[];
  closing: string[];
}

export function openaiFrames(id: string, model: string, n: number, usage: boolean): Frames {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: unknown, finish: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  const content = Array.from({ length: n }, (_, i) => chunk({ content: `tok${i} ` }, null));
  const closing = [chunk({}, 'stop')];
  if (usage) {
    closing.push(
      `data: ${JSON.stringify({ id: `chatcmpl-${id}`, object: 'chat.completion.chunk', created, model, choices: [], usage: { prompt_tokens: 12, completion_tokens: n, total_tokens: 12 + n } })}\n\n`,
    );
  }
  closing.push('data: [DONE]\n\n');
  return { opening: [chunk({ role: 'assistant', content: '' }, null)], content, closing };
}

export function anthropicFrames(id: string, model: string, n: number): Frames {
  const ev = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  return {
    opening: [
      ev('message_start', {
        type: 'message_start',
        message: {
          id: `msg_${id}`,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 12, output_tokens: 1 },
        },
      }),
      ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ],
    content: Array.from({ length: n }, (_, i) =>
      ev('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `tok${i} ` } }),
    ),
    closing: [
      ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
      ev('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: n } }),
      ev('message_stop', { type: 'message_stop' }),
    ],
  };
}

if (require.main === module) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as Partial<FakeOptions>;
  void startFake({ delayMs: opts.delayMs ?? 20, chunks: opts.chunks ?? 20, gapMs: opts.gapMs ?? 50, ports: opts.ports, tls: opts.tls }).then(
    ({ ports, tlsPorts }) => {
      process.stdout.write(`${JSON.stringify({ ports, tlsPorts })}\n`);
    },
  );
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}
