// Provider calls over TLS, as real providers take them: HTTP/2 where the
// runtime loads undici 8 (Node 22.19 and later), HTTP/1.1 otherwise or when
// the operator turns it off. The provider here is node:http2's TLS server,
// which speaks both (as OpenAI's and Anthropic's front ends do).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { selfSignedTls } from '../../test/helpers/self-signed-tls';
import { UNDICI_PACKAGE, UPSTREAM_HTTP2 } from './undici-parts';

const tlsFiles = selfSignedTls();

interface Seen {
  httpVersion: string;
  body: string;
  contentLength: string | undefined;
}

/** A provider over TLS: `/hold` sends a first event and holds the stream until released; anything else echoes. */
async function startProvider(kind: 'h2-or-h1' | 'h1-only') {
  const seen: Seen[] = [];
  const held = new Set<() => void>();
  let sessions = 0;
  let streamsClosedEarly = 0;
  // What both servers' requests and responses have in common (node:http2's compatibility API).
  interface Res {
    writeHead(status: number, headers: Record<string, string>): unknown;
    write(chunk: string): unknown;
    end(chunk: string): unknown;
    on(event: 'close', listener: () => void): unknown;
  }
  const handler = (req: http2.Http2ServerRequest | import('node:http').IncomingMessage, res: Res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ httpVersion: req.httpVersion, body, contentLength: req.headers['content-length'] });
      if (req.url === '/big') {
        // More than a session's whole receive window (undici: 512 KiB), in SSE events.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const event = `data: ${JSON.stringify({ delta: 'x'.repeat(16 * 1024) })}\n\n`;
        for (let i = 0; i < 64; i++) res.write(event);
        res.end('data: [DONE]\n\n');
        return;
      }
      if (req.url === '/hold') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"first":true}\n\n');
        const release = () => res.end('data: [DONE]\n\n');
        held.add(release);
        res.on('close', () => {
          if (held.delete(release)) streamsClosedEarly++;
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ httpVersion: req.httpVersion, body }));
    });
  };
  const server =
    kind === 'h2-or-h1'
      ? http2.createSecureServer({ key: tlsFiles.key, cert: tlsFiles.cert, allowHTTP1: true }, handler)
      : https.createServer({ key: tlsFiles.key, cert: tlsFiles.cert }, handler);
  server.on('secureConnection', () => sessions++);
  const h2Sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    h2Sessions.add(session);
    session.on('close', () => h2Sessions.delete(session));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `https://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    sessions: () => sessions,
    streamsClosedEarly: () => streamsClosedEarly,
    /** As a front end at its connections' age limit or restarting: GOAWAY on every session, the streams open on them left to finish. */
    goAway: () => {
      for (const session of h2Sessions) session.close();
    },
    /** As a crashed front end: every session's connection gone at once. */
    cutAll: () => {
      for (const session of h2Sessions) session.socket.destroy();
    },
    releaseAll: () => {
      for (const release of held) release();
      held.clear();
    },
    close: () => {
      server.close();
      if ('closeAllConnections' in server) server.closeAllConnections();
    },
  };
}

function chat(url: string, body = '{"model":"m","messages":[{"role":"user","content":"hi"}]}') {
  return { url, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body };
}

describe(
  'provider calls over TLS in this process (the runtime trusts the test certificate)',
  { skip: !UPSTREAM_HTTP2 && 'needs Node 22.19 or later (tls.setDefaultCACertificates; undici 8)' },
  () => {
    let provider: Awaited<ReturnType<typeof startProvider>>;
    let callUpstream: typeof import('./call').callUpstream;
    before(async () => {
      // Node 22.19's API; the types here are Node 20's.
      const certificates = tls as unknown as { setDefaultCACertificates(certs: string[]): void; getCACertificates(which: 'default'): string[] };
      certificates.setDefaultCACertificates([...certificates.getCACertificates('default'), tlsFiles.cert]);
      ({ callUpstream } = await import('./call'));
      provider = await startProvider('h2-or-h1');
    });
    after(() => provider.close());

    it('a chat completion goes over HTTP/2, its body whole and with its length declared', async () => {
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(100_000) }] });
      const r = await callUpstream(chat(`${provider.url}/v1/chat/completions`, body), 5000, new AbortController().signal);
      assert.ok(r.ok, r.ok ? '' : r.failure.message);
      const answer = (await r.response.body.json()) as { httpVersion: string; body: string };
      assert.equal(answer.httpVersion, '2.0');
      assert.equal(answer.body, body);
      assert.equal(provider.seen.at(-1)?.contentLength, String(Buffer.byteLength(body)));
    });

    it('POSTs go out while streams are open on the session, all on one connection; aborting one stream leaves the others and the session', async () => {
      const sessionsBefore = provider.sessions();
      const aborts = [new AbortController(), new AbortController(), new AbortController()];
      const streams = await Promise.all(aborts.map((a) => callUpstream(chat(`${provider.url}/hold`), 5000, a.signal)));
      for (const s of streams) assert.ok(s.ok);
      const first = await Promise.all(
        streams.map(async (s) => {
          assert.ok(s.ok);
          return (await s.response.body[Symbol.asyncIterator]().next()) as IteratorResult<Buffer>;
        }),
      );
      for (const f of first) assert.match(String(f.value), /first/);

      // A chat completion, a POST, while three streams are open: on undici 7 it would wait for them or dial anew.
      const started = Date.now();
      const r = await callUpstream(chat(`${provider.url}/v1/chat/completions`), 5000, new AbortController().signal);
      assert.ok(r.ok);
      assert.equal(((await r.response.body.json()) as { httpVersion: string }).httpVersion, '2.0');
      assert.ok(Date.now() - started < 2000, 'the POST did not wait for the open streams');

      aborts[0]!.abort();
      await waitFor(() => provider.streamsClosedEarly() === 1);
      provider.releaseAll();
      for (const s of streams.slice(1)) {
        assert.ok(s.ok);
        let text = '';
        for await (const chunk of s.response.body) text += String(chunk);
        assert.match(text, /\[DONE\]/);
      }
      const again = await callUpstream(chat(`${provider.url}/v1/chat/completions`), 5000, new AbortController().signal);
      assert.ok(again.ok);
      await again.response.body.dump();
      assert.ok(provider.sessions() - sessionsBefore <= 1, `${provider.sessions() - sessionsBefore} connections for five requests`);
    });

    it('a GOAWAY from the provider: the stream open on the old session finishes whole; new requests go on a new one', async () => {
      const sessionsBefore = provider.sessions();
      const open = await callUpstream(chat(`${provider.url}/hold`), 5000, new AbortController().signal);
      assert.ok(open.ok);
      const body = open.response.body[Symbol.asyncIterator]();
      assert.match(String(((await body.next()) as IteratorResult<Buffer>).value), /first/);
      provider.goAway();
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 3; i++) {
        const r = await callUpstream(chat(`${provider.url}/v1/chat/completions`), 3000, new AbortController().signal);
        assert.ok(r.ok, r.ok ? '' : r.failure.message);
        assert.equal(((await r.response.body.json()) as { httpVersion: string }).httpVersion, '2.0');
      }
      provider.releaseAll();
      let rest = '';
      for (let next = await body.next(); !next.done; next = await body.next()) rest += String(next.value);
      assert.match(rest, /\[DONE\]/);
      assert.equal(provider.sessions() - sessionsBefore, 1, 'one new session after the GOAWAY, for all three');
    });

    it('a connection cut under open streams: each stream ends, none hangs; the next request dials anew', async () => {
      const streams = await Promise.all([1, 2, 3].map(() => callUpstream(chat(`${provider.url}/hold`), 5000, new AbortController().signal)));
      const bodies = streams.map((s) => {
        assert.ok(s.ok);
        return s.response.body[Symbol.asyncIterator]();
      });
      for (const b of bodies) assert.match(String(((await b.next()) as IteratorResult<Buffer>).value), /first/);
      const sessionsBefore = provider.sessions();
      provider.cutAll();
      // undici 8 errors all but one of them ('other side closed'); that one it ends as if the
      // provider had (undici 8.14.0). The relay tells a stream that ends before its answer is
      // whole from one that ends with it: test/e2e/provider-tls.test.ts cuts a connection under
      // streams through the whole gateway.
      const endings = await Promise.all(
        bodies.map(async (b) => {
          try {
            for (let next = await b.next(); !next.done; next = await b.next());
            return 'ended';
          } catch (err) {
            return (err as { code?: string }).code;
          }
        }),
      );
      assert.ok(endings.includes('UND_ERR_SOCKET'), endings.join(', '));
      assert.ok(
        endings.every((e) => e === 'UND_ERR_SOCKET' || e === 'ended'),
        endings.join(', '),
      );
      const r = await callUpstream(chat(`${provider.url}/v1/chat/completions`), 3000, new AbortController().signal);
      assert.ok(r.ok, r.ok ? '' : r.failure.message);
      await r.response.body.dump();
      assert.equal(provider.sessions() - sessionsBefore, 1);
      provider.releaseAll();
    });

    it("a stream nobody reads (a stalled client's) does not stall the others on its session", async () => {
      const sessionsBefore = provider.sessions();
      const stalled = await Promise.all([1, 2, 3].map(() => callUpstream(chat(`${provider.url}/big`), 5000, new AbortController().signal)));
      // 3 MiB written by the provider, more than the session's window, and none of it read; a chat completion still goes and comes back on the session.
      await new Promise((r) => setTimeout(r, 200));
      const r = await callUpstream(chat(`${provider.url}/v1/chat/completions`), 3000, new AbortController().signal);
      assert.ok(r.ok, r.ok ? '' : r.failure.message);
      assert.equal(((await r.response.body.json()) as { httpVersion: string }).httpVersion, '2.0');
      // The stalled ones were only waiting: read now, each is whole.
      for (const s of stalled) {
        assert.ok(s.ok);
        assert.equal((await s.response.body.text()).length, 64 * (16 * 1024 + 20) + 14);
      }
      assert.ok(provider.sessions() - sessionsBefore <= 1);
    });
  },
);

// In a process of its own, trusting the certificate the way an operator would
// (NODE_EXTRA_CA_CERTS on the plugin server's command): runs on every Node.
const callScript = `
  const { callUpstream } = require('./plugin/upstream/call');
  callUpstream({ url: process.argv[1], method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m"}' }, 5000, new AbortController().signal)
    .then(async (r) => {
      const { UNDICI_PACKAGE } = require('./plugin/upstream/undici-parts');
      console.log(r.ok ? JSON.stringify({ ...(await r.response.body.json()), undici: UNDICI_PACKAGE }) : 'failed: ' + r.failure.message);
      process.exit(0);
    });
`;
async function callInChild(url: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', callScript, `${url}/v1/chat/completions`], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tlsFiles.certFile, ...env },
    cwd: `${__dirname}/../..`,
  });
  return stdout.trim();
}

describe('provider calls over TLS from a plugin-server-like process', () => {
  it(`HTTP/${UPSTREAM_HTTP2 ? '2 on this runtime' : '1.1 on this runtime (undici 7)'}; HTTP/1.1 with LLM_GATEWAY_UPSTREAM_HTTP2=off; HTTP/1.1 to a provider that only speaks it`, async () => {
    const both = await startProvider('h2-or-h1');
    const h1Only = await startProvider('h1-only');
    try {
      const byDefault = JSON.parse(await callInChild(both.url, {})) as { httpVersion: string };
      assert.equal(byDefault.httpVersion, UPSTREAM_HTTP2 ? '2.0' : '1.1');
      // Off is the HTTP/1.1 of before: undici 7 on every Node.
      const off = JSON.parse(await callInChild(both.url, { LLM_GATEWAY_UPSTREAM_HTTP2: 'off' })) as { httpVersion: string; undici: string };
      assert.deepEqual([off.httpVersion, off.undici], ['1.1', 'undici']);
      const old = JSON.parse(await callInChild(h1Only.url, {})) as { httpVersion: string; body: string; undici: string };
      assert.deepEqual(old, { httpVersion: '1.1', body: '{"model":"m"}', undici: UNDICI_PACKAGE });
    } finally {
      both.close();
      h1Only.close();
    }
  });

  it('a value of LLM_GATEWAY_UPSTREAM_HTTP2 other than on or off stops the start with a message naming it', async () => {
    const { upstreamHttp2From } = await import('./undici-parts');
    assert.equal(upstreamHttp2From(undefined), true);
    assert.equal(upstreamHttp2From(' ON '), true);
    assert.equal(upstreamHttp2From('off'), false);
    assert.throws(() => upstreamHttp2From('no'), /LLM_GATEWAY_UPSTREAM_HTTP2 'no' is not one of on, off/);
  });
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
