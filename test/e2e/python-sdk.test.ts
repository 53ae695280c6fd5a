// Smoke test with Python's official `openai` package (what LiteLLM and Google
// ADK agents use underneath): completion, stream and a tool call.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { createSecret, putEndpoint, startStack, waitFor, type Stack } from './stack';

const ROOT = resolve(__dirname, '../..');
let stack: Stack;
let fake: FakeProvider;

before(async () => {
  execFileSync('bash', [resolve(ROOT, 'scripts/python-env.sh')], { stdio: 'ignore' });
  [stack, fake] = await Promise.all([startStack(), startFakeOpenAI({ apiKey: 'sk-py' })]);
  await createSecret(stack, 'key', 'openai', { apiKey: 'sk-py' });
  await putEndpoint(stack, {
    name: 'agent-model',
    kind: 'chat',
    destinations: [{ id: 'a', provider: 'openai', model: 'gpt-4o', secret: 'key', weight: 100, options: { baseUrl: `${fake.url}/v1` } }],
  });
  await waitFor('endpoint', async () => {
    const res = await fetch(`${stack.openaiBaseUrl}/models`);
    return (await res.text()).includes('agent-model') ? true : undefined;
  });
});

after(async () => {
  await stack?.close();
  await fake?.close();
});

const SCRIPT = `
import json, sys
from openai import OpenAI
client = OpenAI(base_url=sys.argv[1], api_key="dummy")
out = {}
r = client.chat.completions.create(model="agent-model", messages=[{"role": "user", "content": "hello from python"}])
out["text"] = r.choices[0].message.content
stream = client.chat.completions.create(model="agent-model", messages=[{"role": "user", "content": "stream from python"}], stream=True)
out["streamed"] = "".join((c.choices[0].delta.content or "") for c in stream if c.choices)
tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}]
r = client.chat.completions.create(model="agent-model", messages=[{"role": "user", "content": "use the tool"}], tools=tools)
call = r.choices[0].message.tool_calls[0]
out["tool"] = [call.function.name, json.loads(call.function.arguments), r.choices[0].finish_reason]
print(json.dumps(out))
`;

test('the Python openai client: completion, stream, tool call', async () => {
  fake.enqueue({ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok', toolCalls: [{ name: 'lookup', arguments: '{"q":"kong"}' }] });
  // Asynchronously: the gateway runs in this very process and must keep answering.
  const { stdout } = await promisify(execFile)(resolve(ROOT, '.venv/bin/python'), ['-c', SCRIPT, stack.openaiBaseUrl], { encoding: 'utf8' });
  const out = JSON.parse(stdout) as { text: string; streamed: string; tool: [string, unknown, string] };
  assert.match(out.text, /hello from python/);
  assert.match(out.streamed, /stream from python/);
  assert.deepEqual(out.tool, ['lookup', { q: 'kong' }, 'tool_calls']);
});
