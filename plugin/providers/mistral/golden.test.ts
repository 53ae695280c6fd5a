// Golden-file tests: every __fixtures__/<case>.json holds the OpenAI request
// and/or the native response, with the expected native request / OpenAI
// output beside them; <case>.chunks.txt holds raw stream bytes.
// Regenerate expectations with UPDATE_FIXTURES=1 and review the diff.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ChatChunk, ChatRequest } from '../../openai/types';
import { ProviderError, type ResponseContext, type Target } from '../contract';
import { decodeAll } from '../framing';
import { mistralProvider } from './index';

const dir = path.join(__dirname, '__fixtures__');
const update = process.env.UPDATE_FIXTURES === '1';

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1_700_000_000, model: 'mistral-test', newId: () => `call_${++n}` };
}

function target(t: Partial<Target> | undefined): Target {
  return { provider: 'mistral', model: 'mistral-large-latest', credentials: { apiKey: 'mi-key' }, options: {}, ...t };
}

function runStream(file: string, req: ChatRequest): { chunks: ChatChunk[]; error?: ProviderError; usage: unknown; completed: boolean } {
  const transformer = mistralProvider.chat.createStreamTransformer(ctx(), req);
  const chunks: ChatChunk[] = [];
  try {
    for (const event of decodeAll('sse', fs.readFileSync(file))) chunks.push(...transformer.push(event));
    chunks.push(...transformer.end());
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    return { chunks, error: err, usage: transformer.usage(), completed: transformer.completed() };
  }
  return { chunks, usage: transformer.usage(), completed: transformer.completed() };
}

const cases = new Set(
  fs.readdirSync(dir).map((f) => f.replace(/\.chunks\.txt$|\.json$/, '')),
);

for (const name of [...cases].sort()) {
  test(`mistral golden: ${name}`, () => {
    const jsonFile = path.join(dir, `${name}.json`);
    const chunksFile = path.join(dir, `${name}.chunks.txt`);
    const fixture: Record<string, unknown> = fs.existsSync(jsonFile) ? JSON.parse(fs.readFileSync(jsonFile, 'utf8')) : {};
    const request = fixture.request as ChatRequest | undefined;
    const actual: Record<string, unknown> = {};

    if (request) {
      const built = mistralProvider.chat.buildRequest(request, target(fixture.target as Partial<Target>));
      actual.expectedUpstreamRequest = { ...built, body: JSON.parse(String(built.body)) };
    }
    if (fixture.upstreamResponse !== undefined) {
      actual.expected = mistralProvider.chat.parseResponse(fixture.upstreamResponse, ctx());
    }
    if (fs.existsSync(chunksFile)) {
      const run = runStream(chunksFile, request ?? { model: 'chat', messages: [], stream: true });
      actual.expectedStream = {
        chunks: run.chunks,
        usage: run.usage ?? null,
        completed: run.completed,
        error: run.error ? { status: run.error.status, type: run.error.type, code: run.error.code, upstreamStatus: run.error.upstreamStatus, message: run.error.message } : null,
      };
    }

    if (update) {
      fs.writeFileSync(jsonFile, JSON.stringify({ ...fixture, ...actual }, null, 2) + '\n');
      return;
    }
    for (const [key, value] of Object.entries(actual)) assert.deepEqual(value, fixture[key], `${name}: ${key}`);
  });
}
