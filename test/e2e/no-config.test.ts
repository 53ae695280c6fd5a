// A data plane that has never reached its control plane (and has no cached
// snapshot) answers 503 config_unavailable instead of guessing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startStack, type Stack } from './stack';

let stack: Stack;

before(async () => {
  stack = await startStack({ plugin: { control_plane_url: 'http://127.0.0.1:9', control_plane_timeout_ms: 200 } });
});

after(async () => {
  await stack?.close();
});

test('no configuration known yet: 503 in the OpenAI error shape', async () => {
  const res = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'x' }] }),
  });
  assert.equal(res.status, 503);
  const body = (await res.json()) as { error: { code: string; type: string; message: string } };
  assert.equal(body.error.code, 'config_unavailable');
  assert.match(body.error.message, /control plane/);
});

test('the data port refuses anything that did not come through the plugin', async () => {
  const dataPort = stack.driver.lastRequestStats()!.trace.find((c) => c.method === 'kong.service.set_target')!.args[1] as number;
  const res = await fetch(`http://127.0.0.1:${dataPort}/gateway/openai/v1/models`);
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ticket_required');
  const forged = await fetch(`http://127.0.0.1:${dataPort}/gateway/openai/v1/models`, { headers: { 'x-llm-gateway-ticket': 'made-up' } });
  assert.equal(forged.status, 403);
  // The ticket of the request Kong just proxied: redeemed once already.
  const used = stack.driver.lastRequestStats()!.trace.find((c) => c.method === 'kong.service.request.set_header')!.args[1] as string;
  const replayed = await fetch(`http://127.0.0.1:${dataPort}/gateway/openai/v1/models`, { headers: { 'x-llm-gateway-ticket': used } });
  assert.equal(replayed.status, 403);
});
