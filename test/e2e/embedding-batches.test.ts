// Embeddings beyond a provider's per-call cap, through the Kong driver: Titan
// on Bedrock embeds one text per call, Cohere Embed 96. The client sends one
// request; the gateway makes the calls and answers as OpenAI would.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { APIError } from 'openai';
import { BEDROCK_TEST_CREDENTIALS, startBedrockFake } from '../fake-providers/bedrock';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

let stack: Stack;
let fake: FakeProvider;
let client: OpenAI;

const embed = (model: string, input: string | string[]) => client.embeddings.create({ model, input, encoding_format: 'float' });
const invokes = (model: string) => fake.requests.filter((r) => r.path === `/model/${encodeURIComponent(model)}/invoke`);

before(async () => {
  [stack, fake] = await Promise.all([startStack(), startBedrockFake()]);
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'dummy', maxRetries: 0 });
  await createSecret(stack, 'aws', 'bedrock', { ...BEDROCK_TEST_CREDENTIALS, region: 'us-east-1' });
  for (const [name, model] of [
    ['titan', 'amazon.titan-embed-text-v2:0'],
    ['cohere-aws', 'cohere.embed-english-v3'],
  ] as const) {
    await putEndpoint(stack, {
      name,
      kind: 'embeddings',
      destinations: [{ id: 'aws', provider: 'bedrock', model, secret: 'aws', weight: 100, options: { baseUrl: fake.url } }],
    });
  }
  await waitFor('endpoints served', async () =>
    (await embed('cohere-aws', 'ready').catch(() => undefined)) && (await embed('titan', 'ready').catch(() => undefined)) ? true : undefined,
  );
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

test('Titan: five inputs become five calls, answered in order with the usage summed', async () => {
  const inputs = ['alpha', 'beta gamma', 'delta', 'epsilon zeta eta', 'theta'];
  const singles = [];
  for (const input of inputs) singles.push((await embed('titan', input)).data[0]!.embedding);
  const before = invokes('amazon.titan-embed-text-v2:0').length;
  const res = await embed('titan', inputs);
  const calls = invokes('amazon.titan-embed-text-v2:0').slice(before);
  assert.deepEqual(calls.map((c) => JSON.parse(c.body).inputText).sort(), [...inputs].sort(), 'one call per input');
  assert.deepEqual(
    res.data.map((d) => d.index),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(
    res.data.map((d) => d.embedding),
    singles,
    "each vector is its own input's",
  );
  assert.equal(res.usage.prompt_tokens, 1 + 2 + 1 + 3 + 1, 'Titan token counts summed');
});

test('Cohere on Bedrock: 100 inputs become calls of 96 and 4', async () => {
  const inputs = Array.from({ length: 100 }, (_, i) => `text number ${i}`);
  const before = invokes('cohere.embed-english-v3').length;
  const res = await embed('cohere-aws', inputs);
  const calls = invokes('cohere.embed-english-v3')
    .slice(before)
    .map((c) => JSON.parse(c.body).texts as string[]);
  assert.deepEqual(
    calls.map((t) => t.length).sort((a, b) => a - b),
    [4, 96],
  );
  assert.equal(res.data.length, 100);
  for (const i of [0, 95, 96, 99]) assert.deepEqual(res.data[i]!.embedding, (await embed('cohere-aws', inputs[i]!)).data[0]!.embedding, `vector ${i}`);
});

test("one failing call fails the request with the provider's error, not a partial answer", async () => {
  fake.enqueue({ kind: 'status', status: 400, message: 'Malformed input request' });
  await assert.rejects(embed('titan', ['a', 'b', 'c']), (err: APIError) => {
    assert.equal(err.status, 400);
    assert.match(err.message, /Malformed input request/);
    return true;
  });
});

test('the first failing call cancels the calls still running: the provider sees them let go', async () => {
  const from = fake.requests.length;
  // Three inputs, three calls side by side: whichever takes the 400 fails the request; the others would answer in 5 s.
  fake.enqueue({ kind: 'ok', delayMs: 5_000 }, { kind: 'status', status: 400, message: 'Malformed input request' }, { kind: 'ok', delayMs: 5_000 });
  await assert.rejects(embed('titan', ['a', 'b', 'c']), (err: APIError) => err.status === 400);
  // A call cancelled before its request was whole never reaches the fake's record (nor takes a behaviour).
  const seen = () => fake.requests.slice(from);
  assert.ok(seen().length >= 2, 'the failing call and a slow one reached the provider');
  await waitFor('every slow call let go', async () => (seen().filter((r) => r.abandoned).length === seen().length - 1 ? true : undefined), 2_000, 20);
  fake.clear();
});
