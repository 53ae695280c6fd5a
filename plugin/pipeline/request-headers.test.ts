// What an open stream keeps of its request's headers: nothing, once its
// attempts begin; yet the headers the pipeline reads (the run id, the
// client's traceparent, the stickiness header) still count. Through
// runRequest over real connections, with the headers Kong adds, against a
// provider on loopback that holds its stream open.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chatChunkFrame as frame, collected } from '../../test/helpers/held-objects';
import type { BudgetGuard } from '../budget';
import type { ConfigStore } from '../config/store';
import type { Destination, Endpoint, Trace } from '../contract';
import type { TraceShipper } from '../traces/shipper';
import type { PipelineRuntime } from './pipeline-runtime';

// Read when the provider calls' module loads: the pipeline's modules are imported after it.
process.env.LLM_GATEWAY_OUTBOUND_ALLOW = 'loopback';

const KONG_HEADERS = {
  'X-Forwarded-For': '203.0.113.7',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'gateway.example.com',
  'X-Forwarded-Port': '443',
  'X-Forwarded-Path': '/gateway/openai/v1/chat/completions',
  'X-Forwarded-Prefix': '/gateway/openai/v1',
  'X-Real-IP': '203.0.113.7',
  'X-Kong-Request-Id': 'f3b1c2d4e5a6978812345678abcdef01',
};
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('an admitted request and its headers', () => {
  // The provider: a stream's first content, then the rest once the test resumes it; a whole answer otherwise.
  const resumes: Array<() => void> = [];
  const provider = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { model, stream } = JSON.parse(body) as { model: string; stream?: boolean };
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'c2',
            object: 'chat.completion',
            created: 1,
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame({ role: 'assistant', content: 'On its ' }));
      resumes.push(() => res.end(frame({ content: 'way.' }, 'stop') + 'data: [DONE]\n\n'));
    });
  });

  const traces: Trace[] = [];
  const held: Array<WeakRef<object>> = [];
  let rt: PipelineRuntime;
  let budget: BudgetGuard;
  let run: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  // The data server's part: runs each request as route-request.ts runs a chat call.
  const gateway = http.createServer((req, res) => {
    held.push(new WeakRef(req.rawHeaders), new WeakRef(req.headers));
    void run(req, res);
  });
  const port = (s: http.Server) => (s.address() as AddressInfo).port;

  before(async () => {
    const [
      { runRequest },
      { BudgetGuard },
      { indexSnapshot },
      { MemoryConversationStore },
      { ShadowDispatcher },
      { openAiChatIngress },
      { DestinationHealth },
      { chatKind },
    ] = await Promise.all([
      import('./run-request'),
      import('../budget'),
      import('../config/store'),
      import('../conversations/conversation-store'),
      import('../governance/shadow-dispatcher'),
      import('../ingress/openai/chat'),
      import('../routing/cooldown'),
      import('./kinds/chat'),
    ]);
    run = (req, res) => runRequest(rt, { req, res, startedAt: performance.now() }, { ingress: openAiChatIngress, kind: chatKind });
    await Promise.all([provider, gateway].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    const destination = (id: string): Destination => ({
      id,
      provider: 'openai',
      model: `model-${id}`,
      credentials: { apiKey: 'sk-test' },
      options: { baseUrl: `http://127.0.0.1:${port(provider)}/v1` },
      weight: 1,
      timeoutMs: 5000,
    });
    const endpoint = {
      id: 'e',
      name: 'agent',
      kind: 'chat',
      version: 1,
      destinations: [destination('a'), destination('b')],
      fallback: { chain: [], maxAttempts: 1, triggers: [] },
      stickiness: { by: 'header', header: 'X-Session' },
      runs: { header: 'x-agent-run-id', traceparent: true },
      logPayloads: false,
    } as unknown as Endpoint;
    const snapshot = indexSnapshot({ version: 1, generatedAt: new Date(0).toISOString(), endpoints: [endpoint], budgets: [] });
    const shipper = { enqueue: (t: Trace) => traces.push(t) } as unknown as TraceShipper;
    budget = new BudgetGuard({ controlPlaneUrl: 'http://127.0.0.1:9', token: 't', timeoutMs: 100, slices: true });
    rt = {
      config: { ready: async () => snapshot } as unknown as ConfigStore,
      shipper,
      health: new DestinationHealth(),
      budget,
      maxBodyBytes: 1 << 20,
      conversations: new MemoryConversationStore(),
      shadow: new ShadowDispatcher({ budget, shipper }),
    };
  });
  after(async () => {
    await budget.stop(100);
    provider.close();
    gateway.close();
  });

  it('lets go of both copies of the headers while its stream is open, after reading the run id and traceparent', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const headers = { ...KONG_HEADERS, 'content-type': 'application/json', traceparent: TRACEPARENT, 'x-agent-run-id': 'run-42' };
      const body = JSON.stringify({ model: 'agent', stream: true, messages: [{ role: 'user', content: 'Where is my order?' }] });
      const answer = await openStream(port(gateway), agent, headers, body);
      assert.equal(held.length, 2);
      assert.equal(await collected(held), true, 'the open stream still holds its request headers');
      resumes.shift()!();
      assert.match(await answer.rest, /way\.[\s\S]*\[DONE\]/);

      // The same kept-alive connection: the next request's headers are its own, and read.
      held.length = 0;
      const next = await openStream(port(gateway), agent, { ...headers, 'x-agent-run-id': 'run-43' }, body);
      resumes.shift()!();
      await next.rest;
      await until(() => traces.length === 2);
      assert.deepEqual(
        traces.map((t) => [t.status, t.runId, t.traceparent !== undefined]),
        [
          [200, 'run-42', true],
          [200, 'run-43', true],
        ],
      );
    } finally {
      for (const resume of resumes.splice(0)) resume();
      agent.destroy();
    }
  });

  it('still routes by the stickiness header it read before letting go', async () => {
    await new Promise((r) => setTimeout(r, 100)); // the last stream's trace
    traces.length = 0;
    const body = JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'hi' }] });
    for (const session of ['s-1', 's-2', 's-3']) {
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`http://127.0.0.1:${port(gateway)}/v1/chat/completions`, {
          method: 'POST',
          headers: { ...KONG_HEADERS, 'content-type': 'application/json', 'x-session': session },
          body,
        });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
    }
    await until(() => traces.length === 24);
    // Without the header's value, each request picks at random: eight alike by chance is 1 in 128, per session.
    for (let s = 0; s < 3; s++) {
      const picked = new Set(traces.slice(s * 8, s * 8 + 8).map((t) => t.attempts[0]!.destinationId));
      assert.equal(picked.size, 1, `session ${s + 1} went to ${[...picked].join(' and ')}`);
    }
  });
});

/** Resolves once the stream's first content arrived; `rest` with the whole text once it ends. */
function openStream(port: number, agent: http.Agent, headers: Record<string, string>, body: string): Promise<{ rest: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/chat/completions', agent, headers }, (res) => {
      let text = '';
      let first = true;
      const rest = new Promise<string>((done, fail) => {
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (first && text.includes('On its')) {
            first = false;
            resolve({ rest });
          }
        });
        res.on('end', () => done(text));
        res.on('error', fail);
      });
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok());
}
