// Golden-file tests: __fixtures__/<case>.json holds the OpenAI request and/or
// the native response and stream events with the expected translations;
// <case>.chunks.txt holds the raw binary event stream, base64, one frame per
// line. Regenerate with UPDATE_FIXTURES=1 and review the diff.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { encodeBedrockEvent, encodeBedrockException } from '../../../test/fake-providers/bedrock';
import type { ChatChunk, ChatRequest } from '../../openai/types';
import { ProviderError, type ResponseContext, type Target } from '../contract';
import { decodeAll } from '../framing';
import { bedrockProvider } from './index';

const dir = path.join(__dirname, '__fixtures__');
const update = process.env.UPDATE_FIXTURES === '1';

interface FixtureEvent {
  type?: string;
  exception?: string;
  payload: unknown;
}

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1_700_000_000, model: 'bedrock-test', newId: () => `call_${++n}` };
}

function target(t: Partial<Target> | undefined): Target {
  return { provider: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0', credentials: { region: 'us-east-1' }, options: {}, ...t };
}

function encode(events: FixtureEvent[]): string {
  return events
    .map((e) => Buffer.from(e.exception ? encodeBedrockException(e.exception, (e.payload as { message: string }).message) : encodeBedrockEvent(e.type!, e.payload)).toString('base64'))
    .join('\n') + '\n';
}

function runStream(file: string, req: ChatRequest) {
  const bytes = Buffer.concat(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => Buffer.from(line, 'base64')));
  const transformer = bedrockProvider.chat.createStreamTransformer(ctx(), req);
  const chunks: ChatChunk[] = [];
  let error: ProviderError | undefined;
  try {
    for (const event of decodeAll('aws-eventstream', bytes)) chunks.push(...transformer.push(event));
    chunks.push(...transformer.end());
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    error = err;
  }
  return {
    chunks,
    usage: transformer.usage() ?? null,
    completed: transformer.completed(),
    error: error ? { status: error.status, type: error.type, code: error.code, upstreamStatus: error.upstreamStatus, message: error.message } : null,
  };
}

const cases = [...new Set(fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')))].sort();

for (const name of cases) {
  test(`bedrock golden: ${name}`, () => {
    const jsonFile = path.join(dir, `${name}.json`);
    const chunksFile = path.join(dir, `${name}.chunks.txt`);
    const fixture = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Record<string, unknown>;
    const request = fixture.request as ChatRequest | undefined;
    const actual: Record<string, unknown> = {};
    if (request) {
      const built = bedrockProvider.chat.buildRequest(request, target(fixture.target as Partial<Target>));
      actual.expectedUpstreamRequest = { ...built, body: JSON.parse(String(built.body)) };
    }
    if (fixture.upstreamResponse !== undefined) actual.expected = bedrockProvider.chat.parseResponse(fixture.upstreamResponse, ctx());
    if (fixture.streamEvents) {
      if (update) fs.writeFileSync(chunksFile, encode(fixture.streamEvents as FixtureEvent[]));
      // The stored bytes are what the events encode to.
      assert.equal(fs.readFileSync(chunksFile, 'utf8'), encode(fixture.streamEvents as FixtureEvent[]));
      actual.expectedStream = runStream(chunksFile, request ?? { model: 'chat', messages: [], stream: true });
    }
    if (update) {
      fs.writeFileSync(jsonFile, JSON.stringify({ ...fixture, ...actual }, null, 2) + '\n');
      return;
    }
    for (const [key, value] of Object.entries(actual)) assert.deepEqual(value, fixture[key], `${name}: ${key}`);
  });
}
