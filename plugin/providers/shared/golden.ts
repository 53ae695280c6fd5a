// Golden-file tests, one runner for every provider: each
// __fixtures__/<case>.json holds the OpenAI request and/or the native
// response, with the expected native request / OpenAI output beside them;
// <case>.chunks.txt holds raw stream bytes. Regenerate expectations with
// UPDATE_FIXTURES=1 and review the diff.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ChatChunk, ChatRequest } from '../../openai/types';
import { GatewayError, type Provider, type Target } from '../contract';
import { decodeAll } from './decode-stream-framing';
import { testContext } from './testing';

export const updatingFixtures = process.env.UPDATE_FIXTURES === '1';

export type GoldenFixture = Record<string, unknown>;

export interface GoldenSuite {
  /** Names the tests (`<label> golden: <case>`) and the context model (`<label>-test`). */
  label: string;
  /** The provider's folder; the fixtures are in its `__fixtures__`. */
  dir: string;
  provider: Provider;
  /** The destination; a fixture's `target` overrides its fields. */
  target: Target;
  /** A case's raw stream bytes, or undefined when it has none. Default: <case>.chunks.txt when it exists. */
  readStream?: (fixture: GoldenFixture, chunksFile: string) => Uint8Array | undefined;
}

function readChunksFile(_fixture: GoldenFixture, chunksFile: string): Uint8Array | undefined {
  return fs.existsSync(chunksFile) ? fs.readFileSync(chunksFile) : undefined;
}

function translateStream(suite: GoldenSuite, bytes: Uint8Array, req: ChatRequest) {
  const transformer = suite.provider.chat.createStreamTransformer(testContext(`${suite.label}-test`, 'call_'), req);
  const chunks: ChatChunk[] = [];
  let error: GatewayError | undefined;
  try {
    for (const event of decodeAll(suite.provider.chat.framing, bytes)) chunks.push(...transformer.push(event));
    chunks.push(...transformer.end());
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    error = err;
  }
  return {
    chunks,
    usage: transformer.usage() ?? null,
    completed: transformer.completed(),
    error: error ? { status: error.status, type: error.type, code: error.code, upstreamStatus: error.upstreamStatus, message: error.message } : null,
  };
}

function translateFixture(suite: GoldenSuite, fixture: GoldenFixture, chunksFile: string): Record<string, unknown> {
  const { chat } = suite.provider;
  const request = fixture.request as ChatRequest | undefined;
  const actual: Record<string, unknown> = {};
  if (request) {
    const built = chat.buildRequest(request, { ...suite.target, ...(fixture.target as Partial<Target> | undefined) });
    actual.expectedUpstreamRequest = { ...built, body: JSON.parse(String(built.body)) };
  }
  if (fixture.upstreamResponse !== undefined) {
    actual.expected = chat.parseResponse(fixture.upstreamResponse, testContext(`${suite.label}-test`, 'call_'));
  }
  const stream = (suite.readStream ?? readChunksFile)(fixture, chunksFile);
  if (stream) actual.expectedStream = translateStream(suite, stream, request ?? { model: 'chat', messages: [], stream: true });
  return actual;
}

/** Registers one test per fixture case in `<dir>/__fixtures__`. */
export function testGoldenFixtures(suite: GoldenSuite): void {
  const dir = path.join(suite.dir, '__fixtures__');
  const cases = new Set(fs.readdirSync(dir).map((f) => f.replace(/\.chunks\.txt$|\.json$/, '')));
  for (const name of [...cases].sort()) {
    test(`${suite.label} golden: ${name}`, () => {
      const jsonFile = path.join(dir, `${name}.json`);
      const fixture: GoldenFixture = fs.existsSync(jsonFile) ? JSON.parse(fs.readFileSync(jsonFile, 'utf8')) : {};
      const actual = translateFixture(suite, fixture, path.join(dir, `${name}.chunks.txt`));
      if (updatingFixtures) {
        fs.writeFileSync(jsonFile, JSON.stringify({ ...fixture, ...actual }, null, 2) + '\n');
        return;
      }
      for (const [key, value] of Object.entries(actual)) assert.deepEqual(value, fixture[key], `${name}: ${key}`);
    });
  }
}
