// What a passing cell means, checked from three sides: what the client
// reports (the tool ran with the model's arguments, the answers), what the
// fake provider received in its native format (the tool call and result, the
// history of the follow-up turn, streamed or not), and the traces the gateway
// left (one per provider call, the right provider, tokens counted).
import assert from 'node:assert/strict';
import type { Trace } from '../../../plugin/contract';
import type { RecordedRequest } from '../../fake-providers/scenario';
import type { ConformanceProvider } from '../conformance/providers';
import { firstQuestion, followUp, weatherReport, type Cell, type CellRun } from './cells';

type Json = Record<string, unknown>;

/** The cell's requests at its provider's fake: those whose conversation carries the cell's marker. */
export function cellRequests(requests: RecordedRequest[], cell: Pick<Cell, 'marker'>): RecordedRequest[] {
  return requests.filter((r) => r.body.includes(`[${cell.marker}]`));
}

function isStreamed(row: ConformanceProvider, r: RecordedRequest): boolean {
  const body = JSON.parse(r.body) as Json;
  // Ollama streams unless told not to; the other OpenAI-shaped bodies say stream: true.
  if (row.id === 'ollama') return body.stream !== false;
  if (row.paths.chat.source !== row.paths.stream.source) return row.paths.stream.test(r.path);
  return body.stream === true;
}

/** Throws an AssertionError naming the first thing that is wrong with the cell. */
export function checkCell(row: ConformanceProvider, cell: Cell, run: CellRun, requests: RecordedRequest[], traces: Trace[]): void {
  assert.equal(run.error, undefined, `the client failed: ${run.error}`);
  assert.deepEqual(run.tool_calls[0], { city: cell.city }, 'the tool ran with the arguments the model chose');
  assert.deepEqual(
    run.tool_calls
      .slice(1)
      .map((c) => c.city)
      .sort(),
    [...cell.follow_cities].sort(),
    'the follow-up ran the tool for both cities the model asked for at once',
  );
  assert.equal(run.answers.length, 2, 'two turns answered');
  assert.ok(run.answers[0]!.includes(weatherReport(cell.city)), `the first answer quotes the tool's result (got ${JSON.stringify(run.answers[0])})`);
  for (const city of cell.follow_cities) {
    assert.ok(run.answers[1]!.includes(weatherReport(city)), `the follow-up answer quotes both parallel results (got ${JSON.stringify(run.answers[1])})`);
  }

  assert.equal(requests.length, 4, 'the provider got two calls per turn: the tool calls, then the tool results');
  for (const r of requests) assert.equal(isStreamed(row, r), cell.stream, `every provider call is ${cell.stream ? 'streamed' : 'whole'} (${r.path})`);
  const last = JSON.parse(requests.at(-1)!.body) as Json;
  const turn = row.toolTurn(last);
  assert.equal(turn.calls.length, 1, "the history carries the first turn's tool call");
  assert.equal(turn.calls[0]!.name, 'get_weather');
  assert.deepEqual(turn.calls[0]!.args, { city: cell.city }, "the tool call's arguments, in the provider's native shape");
  assert.equal(turn.results.length, 1, "the history carries the first turn's tool result");
  assert.ok(turn.results[0]!.content.includes(weatherReport(cell.city)), `the tool result reached the provider (got ${turn.results[0]!.content})`);
  row.checkToolTurn?.(last);
  const raw = requests.at(-1)!.body;
  for (const text of [firstQuestion(cell), `The weather tool says: `, followUp(cell), ...cell.follow_cities.map(weatherReport)]) {
    assert.ok(raw.includes(text), `the follow-up request carries the history: ${JSON.stringify(text)}`);
  }

  assert.equal(traces.length, requests.length, `one trace per provider call (${traces.length} traces, ${requests.length} calls)`);
  for (const t of traces) {
    assert.equal(t.status, 200, `trace ${t.id} status`);
    assert.equal(t.provider, row.id, `trace ${t.id} provider`);
    assert.equal(t.stream, cell.stream, `trace ${t.id} stream flag`);
    assert.equal(t.ingress, cell.api, `trace ${t.id} names the API the client spoke`);
    assert.ok((t.usage?.promptTokens ?? 0) > 0 && (t.usage?.completionTokens ?? 0) > 0, `trace ${t.id} counts tokens (got ${JSON.stringify(t.usage)})`);
  }
}
