// A call's abort (call-signal.ts) against what watches it: undici's request
// (this file runs on Node 20 with undici 7 and in npm test's Node 24 lane with
// undici 8), node:timers/promises' sleep, and listeners added and removed.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallAbort } from './call-signal';

process.env.LLM_GATEWAY_OUTBOUND_ALLOW = 'loopback';

describe('a call abort', () => {
  /** Requests the provider saw end before it answered them. */
  const cut: string[] = [];
  const server = http.createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) cut.push(req.url ?? '');
    });
    // /silent never answers; /stream answers its headers and a first event, then waits.
    if (req.url === '/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
    }
  });
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const request = (path: string) => ({
    url: `${base}${path}`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: '{"model":"m"}',
  });
  /** The promise's outcome, or a failure if it takes a second: far less than the call's 60 s deadlines, which would also end it. */
  const soon = <T>(p: Promise<T>) => Promise.race([p, sleep(1_000).then(() => Promise.reject(new Error('not ended by the abort')))]) as Promise<T>;
  const untilCut = async (path: string) => {
    for (let i = 0; i < 200 && !cut.includes(path); i++) await sleep(10);
    return cut.includes(path);
  };

  it('stops a provider call still waiting for its answer, and the provider sees it go', async () => {
    const { callUpstream } = await import('../upstream/call');
    const abort = new CallAbort();
    const calling = callUpstream(request('/silent'), 60_000, abort);
    await sleep(100);
    abort.abort();
    const result = await soon(calling);
    assert.equal(result.ok, false);
    assert.ok(await untilCut('/silent'), 'the provider saw the request end');
  });

  it('stops a provider stream after its first event', async () => {
    const { callUpstream } = await import('../upstream/call');
    const abort = new CallAbort();
    const result = await callUpstream(request('/stream'), 60_000, abort);
    assert.ok(result.ok);
    const reading = (async () => {
      for await (const _ of result.response.body) void _;
    })();
    abort.abort();
    await assert.rejects(soon(reading), (err: Error) => err.message !== 'not ended by the abort');
    assert.ok(await untilCut('/stream'), 'the provider saw the stream end');
  });

  it('does not start a provider call once aborted', async () => {
    const { callUpstream } = await import('../upstream/call');
    const abort = new CallAbort();
    abort.abort();
    const before = cut.length;
    const result = await soon(callUpstream(request('/silent?late'), 60_000, abort));
    assert.equal(result.ok, false);
    await sleep(100);
    assert.equal(cut.length, before, 'no request reached the provider');
  });

  it("ends a retry's backoff (node:timers/promises)", async () => {
    const abort = new CallAbort();
    const started = performance.now();
    const waiting = sleep(10_000, undefined, { signal: abort as unknown as AbortSignal });
    setTimeout(() => abort.abort(), 20);
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.ok(performance.now() - started < 5_000);
  });

  it('calls each listener once, not one removed or added after, and a failing one does not stop the rest', () => {
    const abort = new CallAbort();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    const failing = () => {
      throw new Error('a watcher failed');
    };
    abort.addEventListener('abort', failing);
    abort.addEventListener('abort', a);
    abort.addEventListener('abort', b);
    abort.removeEventListener('abort', a);
    abort.abort();
    abort.abort();
    abort.addEventListener('abort', a);
    assert.deepEqual(calls, ['b']);
    assert.equal(abort.aborted, true);
    assert.equal((abort.reason as Error).name, 'AbortError');
  });

  it('keeps the reason it was given', () => {
    const abort = new CallAbort();
    const reason = new Error('the client went away');
    abort.abort(reason);
    assert.equal(abort.reason, reason);
  });
});
