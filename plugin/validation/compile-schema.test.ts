import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import * as openaiSrc from '../openai/validate';
import * as anthropicSrc from '../ingress/anthropic/validate';
import * as responsesSrc from '../ingress/responses/validate-request';
import * as anthropicResponseSrc from '../providers/anthropic/validate-response';
import { compiledSchemas } from './compile-schema';

// The build (npm run build) writes dist/plugin/validation/precompiled-validators.js.
const DIST = resolve(__dirname, '../../dist/plugin');
const PRECOMPILED = resolve(DIST, 'validation/precompiled-validators.js');

test('a data-plane worker compiles no schema at start-up: the build precompiled every one it loads', () => {
  assert.ok(existsSync(PRECOMPILED), 'run `npm run build`: it precompiles the schemas');
  // A fresh process loads the worker's modules as a warm spare does, every provider's translation included.
  const script = `require(${JSON.stringify(resolve(DIST, 'server/worker-runtime.js'))});
    require(${JSON.stringify(resolve(DIST, 'providers/index.js'))}).loadAllProviders();
    const all = require(${JSON.stringify(resolve(DIST, 'validation/compile-schema.js'))}).compiledSchemas();
    console.log(JSON.stringify({ total: all.length, missed: all.filter((s) => !s.precompiled).map((s) => s.name) }));`;
  const { total, missed } = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { total: number; missed: string[] };
  assert.ok(total >= 10, `the worker's modules compile the request and response schemas (${total})`);
  assert.deepEqual(missed, []);
});

test('from the TypeScript sources (no build output beside them) every schema is compiled at run time', () => {
  assert.ok(compiledSchemas().length > 0);
  assert.ok(compiledSchemas().every((s) => !s.precompiled));
});

// Bodies a client or provider may send, valid and not: each check must give
// the same verdict and name the same field, precompiled or compiled now.
const CHAT_BODIES: unknown[] = [
  { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
  { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }] },
  { model: 'm', messages: [{ role: 'wizard', content: 'hi' }] },
  { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
  { model: 'm', messages: 'hi' },
  { messages: [] },
  { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 'hot', tools: [{ type: 'function' }] },
];
const ANTHROPIC_BODIES: unknown[] = [
  { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
  { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't' }] }] },
  { model: 'm', messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64' } }] }] },
  { model: 'm', max_tokens: -1, messages: [] },
];
const RESPONSES_BODIES: unknown[] = [
  { model: 'm', input: 'hi' },
  { model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], tools: [{ type: 'function', name: 'f', parameters: {} }] },
  { model: 'm', input: 42 },
  { model: 'm', input: 'hi', tools: [{ type: 'web_search' }] },
];
const ANTHROPIC_ANSWERS: unknown[] = [
  {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    content: [{ type: 'text', text: 'hi' }],
    stop_reason: 'end_turn',
    usage: { input_tokens: 1, output_tokens: 2 },
  },
  { id: 'msg_1', type: 'message', role: 'assistant', content: 'hi', usage: { input_tokens: 1, output_tokens: 2 } },
  { id: 'msg_1', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], usage: { input_tokens: '1' } },
];

/** A check's outcome as data (a thrown error becomes its class and message). */
function outcome(check: () => unknown): unknown {
  try {
    const withMessages = (_key: string, v: unknown) => (v instanceof Error ? { ...v, message: v.message } : v);
    return { returned: JSON.parse(JSON.stringify(check(), withMessages) ?? 'null') as unknown };
  } catch (err) {
    return { threw: (err as Error).constructor.name, message: (err as Error).message };
  }
}

test('precompiled validators answer exactly as the ones compiled at run time', () => {
  /* eslint-disable @typescript-eslint/no-require-imports -- the built modules, which load the precompiled validators */
  const openaiDist = require(resolve(DIST, 'openai/validate.js')) as typeof openaiSrc;
  const anthropicDist = require(resolve(DIST, 'ingress/anthropic/validate.js')) as typeof anthropicSrc;
  const responsesDist = require(resolve(DIST, 'ingress/responses/validate-request.js')) as typeof responsesSrc;
  const anthropicResponseDist = require(resolve(DIST, 'providers/anthropic/validate-response.js')) as typeof anthropicResponseSrc;
  const distSchemas = (require(resolve(DIST, 'validation/compile-schema.js')) as { compiledSchemas: typeof compiledSchemas }).compiledSchemas();
  /* eslint-enable @typescript-eslint/no-require-imports */
  assert.ok(distSchemas.length > 0 && distSchemas.every((s) => s.precompiled), 'the built modules use the precompiled validators');

  const pairs: Array<[string, unknown[], (b: unknown) => unknown, (b: unknown) => unknown]> = [
    ['chat', CHAT_BODIES, openaiDist.validateChat, openaiSrc.validateChat],
    ['embeddings', [{ model: 'm', input: 'x' }, { model: 'm', input: [1, 'x'] }, { input: 'x' }], openaiDist.validateEmbeddings, openaiSrc.validateEmbeddings],
    ['anthropic', ANTHROPIC_BODIES, anthropicDist.validateAnthropicRequest, anthropicSrc.validateAnthropicRequest],
    ['responses', RESPONSES_BODIES, responsesDist.validateResponsesRequest, responsesSrc.validateResponsesRequest],
    ['anthropic answer', ANTHROPIC_ANSWERS, anthropicResponseDist.validateAnthropicResponse, anthropicResponseSrc.validateAnthropicResponse],
  ];
  let failures = 0;
  for (const [name, bodies, built, source] of pairs)
    for (const body of bodies) {
      const expected = outcome(() => source(structuredClone(body)));
      if ('threw' in (expected as object) || (expected as { returned: { ok?: boolean } }).returned.ok === false) failures++;
      assert.deepEqual(
        outcome(() => built(structuredClone(body))),
        expected,
        `${name}: ${JSON.stringify(body)}`,
      );
    }
  assert.ok(failures >= 8, `the bodies include invalid ones (${failures})`);
});
