// Same agent, switch provider: a Google ADK agent (LiteLLM connector, one
// Python tool, one in-memory session) talks to an endpoint backed by OpenAI;
// between two turns the endpoint's destination is switched to Anthropic
// through the control-plane API; the same agent object and session go on: the
// follow-up (two tool calls at once) works, and Anthropic receives the whole
// earlier conversation (the OpenAI-era tool call and result) in its own format.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Trace } from '../../../plugin/contract';
import { providerRow } from '../conformance/providers';
import { putEndpoint, waitFor } from '../stack';
import { firstQuestion, followUp, weatherReport } from './cells';
import { cellRequests } from './check-cell';
import { allTraces, destinationFor, startMatrixStack, type MatrixStack } from './matrix-stack';
import { startPython } from './run-python';

const ROOT = resolve(__dirname, '../../..');
const FROM = providerRow('openai');
const TO = providerRow('anthropic');
let matrix: MatrixStack;

before(async () => {
  execFileSync('bash', [resolve(ROOT, 'scripts/clients-env.sh')], { stdio: 'ignore' });
  matrix = await startMatrixStack([FROM, TO], []);
});

after(async () => {
  await matrix?.close();
});

/** Points `endpoint` at `row` and waits until the gateway routes there (a probe reaches that fake). */
async function switchTo(endpoint: string, row: typeof FROM): Promise<void> {
  const fake = matrix.fakes.get(row.id)!;
  await putEndpoint(matrix.stack, { name: endpoint, kind: 'chat', destinations: [destinationFor(row, fake)], fallback: { chain: [], maxAttempts: 1 } });
  await waitFor(`${endpoint} to route to ${row.id}`, async () => {
    const before = fake.requests.length;
    await fetch(`${matrix.stack.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: endpoint, messages: [{ role: 'user', content: 'probe' }] }),
    });
    return fake.requests.length > before ? true : undefined;
  });
}

test('an ADK agent keeps its session and tools when its endpoint moves from OpenAI to Anthropic', async () => {
  const cells = [
    { id: 'switch/whole', model: 'switching-whole', stream: false, city: 'Paris', follow_cities: ['Tokyo', 'Lima'] as [string, string], marker: 's0001' },
    { id: 'switch/stream', model: 'switching-stream', stream: true, city: 'Oslo', follow_cities: ['Cairo', 'Quito'] as [string, string], marker: 's0002' },
  ];
  for (const cell of cells) await switchTo(cell.model, FROM);
  const python = startPython('adk_agent.py', { switch: true, openai_base_url: matrix.stack.openaiBaseUrl, cells });
  for (const cell of cells) {
    const before = await python.next();
    assert.equal(before.error, undefined, String(before.error));
    assert.deepEqual(before.tool_calls, [{ city: cell.city }]);
    assert.ok(before.answers[0]!.includes(weatherReport(cell.city)), `answer before the switch: ${before.answers[0]}`);
    assert.ok(cellRequests(matrix.fakes.get(FROM.id)!.requests, cell).length >= 2, 'the first turn went to OpenAI');

    await switchTo(cell.model, TO);
    python.send('switched');
    const afterSwitch = await python.next();
    assert.equal(afterSwitch.error, undefined, String(afterSwitch.error));
    assert.deepEqual(
      afterSwitch.tool_calls
        .slice(1)
        .map((c) => c.city)
        .sort(),
      [...cell.follow_cities].sort(),
      'the tool ran again after the switch',
    );
    for (const city of cell.follow_cities)
      assert.ok(afterSwitch.answers[1]!.includes(weatherReport(city)), `follow-up after the switch: ${afterSwitch.answers[1]}`);

    // Anthropic got the conversation the session held, translated: the OpenAI-era tool call and result included.
    const atAnthropic = cellRequests(matrix.fakes.get(TO.id)!.requests, cell);
    assert.equal(atAnthropic.length, 2, `the follow-up's two calls went to Anthropic (${atAnthropic.length})`);
    const first = JSON.parse(atAnthropic[0]!.body) as Record<string, unknown>;
    assert.equal(first.stream === true, cell.stream);
    const turn = TO.toolTurn(first);
    assert.deepEqual(
      turn.calls.map((c) => c.args),
      [{ city: cell.city }],
    );
    assert.ok(turn.results[0]!.content.includes(weatherReport(cell.city)));
    assert.ok(atAnthropic[0]!.body.includes(firstQuestion(cell)) && atAnthropic[0]!.body.includes(followUp(cell)));
  }
  await python.done;

  const calls = cells.flatMap((c) => [...cellRequests(matrix.fakes.get(FROM.id)!.requests, c), ...cellRequests(matrix.fakes.get(TO.id)!.requests, c)]).length;
  const traces = (await allTraces(matrix.stack, calls)).filter((t: Trace) => t.endpoint.startsWith('switching-') && t.status === 200 && t.usage);
  const providers = new Set(traces.map((t) => t.provider));
  assert.deepEqual([...providers].sort(), ['anthropic', 'openai'], 'traces name the provider that served each call');
});
