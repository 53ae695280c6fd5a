// Brings up everything the scenarios measure, all on loopback:
//   - a database: MONGODB_URI, or a FerretDB started here (control-plane/loaders/ferretdb.ts);
//   - the fake provider process (fixed delay; OpenAI and Anthropic formats);
//   - the product: control plane + Kong driver + kong-js-pluginserver with the
//     compiled plugin (test/e2e/stack.ts), with benchmark endpoints;
//   - each Kong stand-in alone with the no-op fixture plugin (its own cost): the
//     JS driver, and nginx with OpenResty's Lua module when installed;
//   - the peer, MLflow AI Gateway, from a project-local venv (bench/mlflow.ts);
//   - the load client process (bench/client-worker.ts).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startFerretDB, type RunningFerretDB } from '../control-plane/loaders/ferretdb';
import { sharedHostNice } from '../control-plane/process-priority';
import { waitFor } from '../test/e2e/stack';
import { startKongDriver, type KongDriver } from '../local/kong-driver/gateway';
import { nginxAvailable } from '../local/kong-nginx/find-nginx';
import { startKongNginx, type KongNginx } from '../local/kong-nginx/gateway';
import { selfSignedTls } from '../test/helpers/self-signed-tls';
import { ROOT, startClient, startFakeProcess, type Client, type Fake } from './lib';
import { startMlflow, type Mlflow, type MlflowStatus } from './mlflow';
import { createSecret, putEndpoint, startBenchStack, type BenchStack } from './stack';

export interface Settings {
  smoke: boolean;
  delayMs: number;
  chunks: number;
  gapMs: number;
  /** Streams per origin for the memory scenario (the plugin's provider pool holds 256 per origin). */
  holdOrigins: number;
}

export interface Env {
  settings: Settings;
  fake: Fake;
  stack: BenchStack;
  noop: KongDriver;
  /** The nginx stand-in with the no-op plugin (when nginx is installed). */
  noopNginx: KongNginx | undefined;
  mlflow: Mlflow | undefined;
  mlflowStatus: MlflowStatus;
  client: Client;
  /** Bench endpoints on the gateway. `hold`: the fake's plain HTTP origins; `holdOverTls`: its TLS ones (HTTP/2 where the plugin server's Node has it). */
  endpoints: { openai: string; anthropic: string; ingest: string; prop: string; hold: string[]; holdOverTls: string[] };
  close(): Promise<void>;
}

export const CHAT_BODY = (model: string, stream = false) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'Say something short.' }], max_tokens: 64, ...(stream ? { stream: true } : {}) });

/**
 * A turn in the middle of an agent's run, as agent frameworks send it: a
 * system prompt, eight tools with JSON-schema parameters, and the history so
 * far (user turns, assistant tool calls, tool results): ~22 KiB of JSON,
 * where CHAT_BODY is 100 bytes. What a gateway keeps of the request while its
 * answer streams grows with this, not with CHAT_BODY.
 */
export const AGENT_TURN_BODY = (model: string, stream = false) => {
  const vocabulary = ['the', 'order', 'customer', 'refund', 'policy', 'must', 'never', 'shipping', 'account', 'verify', 'before', 'payment'];
  const prose = (topic: string, words: number) =>
    Array.from({ length: words }, (_, i) => (i % 9 === 0 ? topic : vocabulary[(i * 7) % vocabulary.length])).join(' ');
  const tools = ['search_orders', 'get_customer', 'refund_payment', 'send_email', 'create_ticket', 'lookup_inventory', 'schedule_call', 'summarize_thread'].map(
    (name, i) => ({
      type: 'function',
      function: {
        name,
        description: prose(`tool${i}`, 40),
        parameters: {
          type: 'object',
          properties: {
            id: { type: 'string', description: prose('identifier', 12) },
            query: { type: 'string', description: prose('query', 16) },
            limit: { type: 'integer', minimum: 1, maximum: 100 },
            include: { type: 'array', items: { type: 'string', enum: ['history', 'notes', 'payments', 'shipping'] } },
          },
          required: ['id'],
        },
      },
    }),
  );
  const messages: Array<Record<string, unknown>> = [{ role: 'system', content: prose('policy', 700) }];
  for (let turn = 0; turn < 6; turn++) {
    messages.push({ role: 'user', content: prose(`question${turn}`, 40) });
    const id = `call_${turn}`;
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id,
          type: 'function',
          function: {
            name: tools[turn]!.function.name,
            arguments: JSON.stringify({ id: `ord-${turn}`, query: prose('q', 10), include: ['history', 'notes'] }),
          },
        },
      ],
    });
    messages.push({
      role: 'tool',
      tool_call_id: id,
      content: JSON.stringify({ id: `ord-${turn}`, items: Array.from({ length: 6 }, (_, k) => ({ sku: `sku-${turn}-${k}`, note: prose('item', 20) })) }),
    });
  }
  messages.push({ role: 'user', content: prose('followup', 30) });
  return JSON.stringify({ model, messages, tools, tool_choice: 'auto', max_tokens: 512, ...(stream ? { stream: true } : {}) });
};

/**
 * The same agent's turn through the Responses API, as the OpenAI Agents SDK
 * sends it by default: instructions, the history as input items (messages,
 * function calls and their outputs) and the tools, flattened to Responses
 * function tools.
 */
export const AGENT_TURN_RESPONSES_BODY = (model: string, stream = false) => {
  type ChatTurn = {
    role: string;
    content: string | null;
    tool_call_id?: string;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  };
  const chat = JSON.parse(AGENT_TURN_BODY(model)) as {
    messages: ChatTurn[];
    tools: Array<{ function: { name: string; description: string; parameters: Record<string, unknown> } }>;
  };
  const [system, ...history] = chat.messages;
  const input = history.flatMap((m): Array<Record<string, unknown>> => {
    if (m.role === 'tool') return [{ type: 'function_call_output', call_id: m.tool_call_id, output: m.content }];
    if (m.tool_calls) return m.tool_calls.map((c) => ({ type: 'function_call', call_id: c.id, name: c.function.name, arguments: c.function.arguments }));
    return [{ type: 'message', role: m.role, content: m.content }];
  });
  const tools = chat.tools.map(({ function: f }) => ({ type: 'function', name: f.name, description: f.description, parameters: f.parameters, strict: false }));
  return JSON.stringify({
    model,
    instructions: system!.content,
    input,
    tools,
    tool_choice: 'auto',
    max_output_tokens: 512,
    ...(stream ? { stream: true } : {}),
  });
};

export const ANTHROPIC_BODY = (model: string, stream = false) =>
  JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: 'Say something short.' }], ...(stream ? { stream: true } : {}) });

/**
 * The Kong driver proxies through an http.Agent capped at 512 sockets per
 * upstream; nginx has no such cap. Lift it so 1,000 open streams reach the
 * plugin's data server (only the benchmark does this).
 */
function liftDriverSocketCap(): void {
  const original = http.request;
  const patched = function (this: unknown, ...args: unknown[]) {
    const opts = args[0] as { agent?: http.Agent } | undefined;
    if (opts && typeof opts === 'object' && opts.agent instanceof http.Agent && opts.agent.maxSockets === 512) opts.agent.maxSockets = Infinity;
    return (original as (...a: unknown[]) => http.ClientRequest).apply(this, args);
  };
  (http as { request: unknown }).request = patched;
}

export async function setup(settings: Settings, log: (s: string) => void): Promise<Env> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: Error) => log(`cleanup: ${err.message}`));
  };
  try {
    liftDriverSocketCap();
    let db: RunningFerretDB | undefined;
    if (!process.env.MONGODB_URI) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-db-'));
      log('starting FerretDB (building it on first use)...');
      db = await startFerretDB({ dataDir, nice: sharedHostNice() });
      process.env.MONGODB_URI = db.uri;
      cleanups.push(async () => {
        await db!.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      });
    }
    const { key, cert } = selfSignedTls();
    const fake = await startFakeProcess({
      delayMs: settings.delayMs,
      chunks: settings.chunks,
      gapMs: settings.gapMs,
      ports: 1 + settings.holdOrigins,
      tls: { ports: settings.holdOrigins, key, cert },
    });
    cleanups.push(() => fake.close());
    const stack = await startBenchStack();
    cleanups.push(() => stack.close());
    await createSecret(stack, 'bench-openai', 'openai', { apiKey: 'sk-bench' });
    await createSecret(stack, 'bench-anthropic', 'anthropic', { apiKey: 'sk-ant-bench' });
    const oai = (model: string, baseUrl = fake.url) => ({
      id: 'oai',
      provider: 'openai',
      model,
      secret: 'bench-openai',
      weight: 100,
      options: { baseUrl: `${baseUrl}/v1` },
    });
    const endpoints = { openai: 'bench', anthropic: 'bench-anthropic', ingest: 'ingest', prop: 'prop', hold: [] as string[], holdOverTls: [] as string[] };
    await putEndpoint(stack, { name: endpoints.openai, kind: 'chat', destinations: [oai('bench')] });
    await putEndpoint(stack, { name: endpoints.ingest, kind: 'chat', destinations: [oai('bench')] });
    await putEndpoint(stack, { name: endpoints.prop, kind: 'chat', destinations: [oai('prop-nodelay-0')] });
    await putEndpoint(stack, {
      name: endpoints.anthropic,
      kind: 'chat',
      destinations: [{ id: 'ant', provider: 'anthropic', model: 'bench', secret: 'bench-anthropic', weight: 100, options: { baseUrl: fake.url } }],
    });
    for (let i = 0; i < settings.holdOrigins; i++) {
      const name = `bench-hold-${i}`;
      endpoints.hold.push(name);
      await putEndpoint(stack, { name, kind: 'chat', destinations: [oai('bench-hold', fake.urls[1 + i])] });
      const overTls = `bench-hold-tls-${i}`;
      endpoints.holdOverTls.push(overTls);
      await putEndpoint(stack, { name: overTls, kind: 'chat', destinations: [oai('bench-hold', fake.tlsUrls[i])] });
    }
    const expected = 4 + 2 * settings.holdOrigins;
    await waitFor(
      'bench endpoints to reach the gateway',
      async () => {
        const res = await fetch(`${stack.openaiBaseUrl}/models`).catch(() => undefined);
        if (!res || res.status !== 200) return undefined;
        const body = (await res.json()) as { data: unknown[] };
        return body.data.length >= expected ? true : undefined;
      },
      20_000,
    );

    const noopYml = {
      _format_version: '3.0',
      services: [{ name: 'fake', url: fake.url, routes: [{ name: 'all', paths: ['/'], response_buffering: false }] }],
      plugins: [{ name: 'noop' }],
    };
    const noopDir = path.join(ROOT, 'test/fixtures/kong-plugins/noop');
    const noop = await startKongDriver({ pluginsDir: noopDir, kongYml: noopYml });
    cleanups.push(() => noop.close());
    const noopNginx = nginxAvailable() ? await startKongNginx({ pluginsDir: noopDir, kongYml: noopYml }) : undefined;
    if (noopNginx) cleanups.push(() => noopNginx.close());

    const { mlflow, status } = await startMlflow({ smoke: settings.smoke, fakeUrl: fake.url, log });
    if (mlflow) cleanups.push(() => mlflow.close());

    const client = startClient();
    cleanups.push(() => client.close());
    return { settings, fake, stack, noop, noopNginx, mlflow, mlflowStatus: status, client, endpoints, close };
  } catch (err) {
    await close();
    throw err;
  }
}
