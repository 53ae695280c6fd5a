// What a data-plane worker loads at its start is what a request sent as the
// plugin server starts waits for (bench/RESULTS.md §29-§30). These load only
// when a configuration needs them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

test("a data-plane worker starts without undici's index, OpenTelemetry, AWS's signer or codec, the TypeScript compiler, the price table and the providers it does not use", async () => {
  await import('./worker-runtime');
  const { warmTranslation } = await import('./warm-translation');
  warmTranslation(1);
  const modules = Object.keys(require.cache).map((k) => k.replace(/\\/g, '/'));
  const found = (pattern: RegExp) => modules.filter((m) => pattern.test(m)).map((m) => m.slice(m.lastIndexOf('node_modules/')));
  // Neither major's index (undici 8 is installed as undici-h2).
  assert.deepEqual(found(/\/node_modules\/undici(-h2)?\/index\.js$/), []);
  assert.deepEqual(found(/\/node_modules\/@opentelemetry\//), []);
  assert.deepEqual(found(/\/node_modules\/(@smithy|@aws-crypto)\//), []);
  assert.deepEqual(found(/\/node_modules\/typescript\//), []);
  assert.deepEqual(found(/\/node_modules\/@pydantic\/genai-prices\//), []);
  // What it does load: undici's parts, of the one major this runtime uses.
  const { UNDICI_PACKAGE } = await import('../upstream/undici-parts');
  assert.deepEqual(found(/\/node_modules\/undici(-h2)?\/lib\/dispatcher\/agent\.js$/), [`node_modules/${UNDICI_PACKAGE}/lib/dispatcher/agent.js`]);
  // Translation loads per provider: the warm-up's two, not the other seven.
  const providerModules = () =>
    modules
      .filter((m) => /\/plugin\/providers\/[a-z-]+\/index\.[jt]s$/.test(m))
      .map((m) => m.split('/').at(-2))
      .sort();
  assert.deepEqual(providerModules(), ['anthropic', 'openai', 'openai-compatible']);
  const { loadAllProviders, providers } = await import('../providers');
  assert.equal(providers.gemini?.chat.buildRequest.name, 'buildGeminiChatRequest', 'loaded when asked for');
  loadAllProviders();
  modules.splice(0, modules.length, ...Object.keys(require.cache).map((k) => k.replace(/\\/g, '/')));
  assert.equal(providerModules().length, 9);
  // The price table once asked for (a warm spare, a first provider call, a first price).
  const { loadPriceTable, priceUsd } = await import('../pricing');
  loadPriceTable();
  const loaded = Object.keys(require.cache).filter((k) => /[\\/]node_modules[\\/]@pydantic[\\/]genai-prices[\\/]/.test(k));
  assert.ok(loaded.length > 0);
  assert.ok(priceUsd({ provider: 'openai', model: 'gpt-4o' }, { promptTokens: 1_000_000, completionTokens: 0 })! > 0);
});
