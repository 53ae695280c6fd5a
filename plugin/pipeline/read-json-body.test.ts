// The request body as the data server reads it, over a real HTTP connection.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readJsonBody, type BodyResult } from './read-json-body';

type Seen = { result?: BodyResult; error?: Error; listenersAfter?: number; listenersBefore: number };

let port = 0;
let seen: (s: Seen) => void = () => undefined;
const server = createServer((req, res) => {
  const listeners = (r: IncomingMessage) => ['data', 'end', 'error', 'close'].reduce((n, e) => n + r.listenerCount(e), 0);
  const s: Seen = { listenersBefore: listeners(req) };
  readJsonBody(req, 100).then(
    (result) => {
      s.result = result;
      s.listenersAfter = listeners(req);
      res.end('ok');
      seen(s);
    },
    (error: Error) => {
      s.error = error;
      seen(s);
    },
  );
});

before(() => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => ((port = (server.address() as AddressInfo).port), r()))));
after(() => new Promise<void>((r) => server.close(() => r())));

/** Sends the body in the given pieces (a pause between each), or stops after them and closes when `cut`. */
function send(pieces: Buffer[], o: { length?: number; cut?: boolean } = {}): Promise<Seen> {
  const next = new Promise<Seen>((r) => (seen = r));
  const length = o.length ?? pieces.reduce((n, p) => n + p.length, 0);
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`);
    let i = 0;
    const step = () => {
      if (i < pieces.length) {
        socket.write(pieces[i++]!);
        setTimeout(step, 5);
      } else if (o.cut) socket.destroy();
    };
    step();
  });
  socket.on('error', () => undefined);
  socket.on('data', () => socket.end());
  return next;
}

describe('reading a JSON request body', () => {
  it('a body in pieces, a character split across two of them, and no listener left on the request', async () => {
    const bytes = Buffer.from('{"model":"m","messages":[{"role":"user","content":"smørbrød"}]}');
    const split = bytes.indexOf(Buffer.from('ø')) + 1; // inside the two bytes of 'ø'
    const s = await send([bytes.subarray(0, split), bytes.subarray(split)]);
    assert.deepEqual(s.result, { ok: true, value: { model: 'm', messages: [{ role: 'user', content: 'smørbrød' }] } });
    assert.equal(s.listenersAfter, s.listenersBefore);
  });

  it('an empty body and a body that is not JSON: 400 with the reason', async () => {
    const empty = await send([]);
    assert.deepEqual(empty.result, { ok: false, status: 400, code: 'invalid_json', message: 'The request body is empty; a JSON object was expected.' });
    const broken = await send([Buffer.from('{"model": ')]);
    assert.equal(broken.result?.ok, false);
    assert.match((broken.result as { message: string }).message, /^We could not parse the JSON body of your request: /);
  });

  it('a body over the limit: 413 as soon as the limit is passed', async () => {
    const s = await send([Buffer.from(`{"model":"${'x'.repeat(40)}",`), Buffer.from(`"messages":"${'y'.repeat(40)}"}`)]);
    assert.deepEqual(s.result, { ok: false, status: 413, code: 'request_too_large', message: "The request body exceeds the gateway's limit of 100 bytes." });
  });

  it('a connection that closes mid-body: a 499 for the trace, not a failure and not a hang', async () => {
    const s = await send([Buffer.from('{"model":"m",')], { length: 60, cut: true });
    assert.equal(s.error, undefined);
    assert.deepEqual(s.result, { ok: false, status: 499, code: 'client_closed_request', message: 'The connection closed before the request body was whole.' });
    assert.equal(s.listenersAfter, s.listenersBefore);
  });
});
