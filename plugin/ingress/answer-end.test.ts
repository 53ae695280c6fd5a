import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ANSWER_HOLD_MAX_MS, endAnswer, heldAnswers, holdAnswerEnd } from './answer-end';

/** A server whose handler ends through endAnswer under a hold, and releases when the test says. */
async function heldServer(): Promise<{ url: string; release: () => void; ended: Promise<ServerResponse>; close: () => Promise<void> }> {
  let release!: () => void;
  let ended!: (res: ServerResponse) => void;
  const endedP = new Promise<ServerResponse>((r) => (ended = r));
  const released = new Promise<void>((r) => (release = r));
  const server = http.createServer((_req, res) => {
    const let_go = holdAnswerEnd(res);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first ');
    endAnswer(res, 'last');
    ended(res);
    void released.then(let_go);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    release,
    ended: endedP,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test('a held answer reaches its end only when the hold is released', async () => {
  const s = await heldServer();
  try {
    let body = '';
    let complete = false;
    const done = new Promise<void>((resolve, reject) => {
      http
        .get(s.url, (res) => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            complete = true;
            resolve();
          });
        })
        .on('error', reject);
    });
    const res = await s.ended;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(complete, false, 'no end while held');
    assert.equal(res.writableEnded, false);
    assert.equal(Object.hasOwn(res, 'end'), false, 'the hold leaves the response object as Node made it');
    assert.equal(heldAnswers(), 1);
    s.release();
    await done;
    assert.equal(body, 'first last');
    assert.equal(heldAnswers(), 0);
  } finally {
    await s.close();
  }
});

/** Just enough of a ServerResponse to see how it is ended. */
function fakeResponse(): ServerResponse & { ends: unknown[][] } {
  const ends: unknown[][] = [];
  return { ends, end: (...args: unknown[]) => ends.push(args) } as unknown as ServerResponse & { ends: unknown[][] };
}

test('without a hold, or once released, an answer ends at once; a bare end stays bare', () => {
  const free = fakeResponse();
  endAnswer(free, 'x');
  assert.deepEqual(free.ends, [['x']]);

  const early = fakeResponse();
  const release = holdAnswerEnd(early);
  release();
  endAnswer(early);
  assert.deepEqual(early.ends, [[undefined]]);

  const bare = fakeResponse();
  const let_go = holdAnswerEnd(bare);
  endAnswer(bare);
  assert.deepEqual(bare.ends, []);
  let_go();
  let_go();
  assert.deepEqual(bare.ends, [[]], 'ended once, with no chunk');
  assert.equal(heldAnswers(), 0);
});

test('a handler that never releases does not hold its answer beyond the limit', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const res = fakeResponse();
  holdAnswerEnd(res);
  endAnswer(res, 'done');
  t.mock.timers.tick(ANSWER_HOLD_MAX_MS - 1);
  assert.deepEqual(res.ends, []);
  t.mock.timers.tick(1);
  assert.deepEqual(res.ends, [['done']]);
  assert.equal(heldAnswers(), 0);
});

test('no request-path code ends a response except through endAnswer', () => {
  // A direct res.end() would let a client see a complete answer whose trace is not yet spooled.
  const root = join(__dirname, '..');
  const allowed = new Set(['ingress/answer-end.ts', 'server/warm-http.ts']);
  const offenders: string[] = [];
  let read = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !allowed.has(relative(root, path))) {
        read++;
        if (/\bres\.end\(/.test(readFileSync(path, 'utf8'))) offenders.push(relative(root, path));
      }
    }
  };
  walk(root);
  assert.ok(read > 100, `read the plugin's sources (${read} files)`);
  assert.deepEqual(offenders, []);
});
