// Helpers for fixture tests of provider translations (used by *.test.ts only).
import fs from 'node:fs';
import path from 'node:path';
import type { ChatChunk, ChatRequest, FunctionToolCall } from '../../openai/types';
import type { ChatTranslation, ResponseContext, StreamEvent, StreamFraming, StreamTransformer } from '../contract';
import { createStreamDecoder, decodeAll } from './decode-stream-framing';

export function fixture<T = unknown>(dir: string, name: string): T {
  return JSON.parse(fs.readFileSync(path.join(dir, '__fixtures__', name), 'utf8')) as T;
}

export function fixtureText(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, '__fixtures__', name), 'utf8');
}

/** Deterministic ids and time, as the server injects them; tool-call ids count up from `<prefix>1`. */
export function testContext(model = 'test-model', toolCallIdPrefix = 'call_gen_'): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-test', created: 1700000000, model, newId: () => `${toolCallIdPrefix}${++n}` };
}

/** Feeds raw stream bytes through the shared decoder in small uneven reads, like a socket would. */
export function runStream(t: StreamTransformer, framing: StreamFraming, raw: string | Uint8Array, readSize = 7): ChatChunk[] {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const out: ChatChunk[] = [];
  const events: StreamEvent[] = [];
  const d = createStreamDecoder(framing);
  for (let i = 0; i < bytes.length; i += readSize) events.push(...d.push(bytes.subarray(i, i + readSize)));
  events.push(...d.end());
  for (const e of events) out.push(...t.push(e));
  out.push(...t.end());
  return out;
}

export { decodeAll };

/** What a client that accumulates deltas ends up with. */
export function reassemble(chunks: ChatChunk[]): { content: string | null; tool_calls: FunctionToolCall[]; finish_reason: string | null } {
  let content: string | null = null;
  const calls: FunctionToolCall[] = [];
  let finish: string | null = null;
  for (const c of chunks) {
    for (const ch of c.choices) {
      if (typeof ch.delta.content === 'string') content = (content ?? '') + ch.delta.content;
      for (const tc of ch.delta.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name += tc.function.name;
        if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
      }
      if (ch.finish_reason) finish = ch.finish_reason;
    }
  }
  return { content, tool_calls: calls, finish_reason: finish };
}

/** Each streamed tool call's arguments, concatenated by index (first choice). */
export function streamedToolArguments(chunks: ChatChunk[]): string[] {
  const args: string[] = [];
  for (const c of chunks) for (const d of c.choices[0]?.delta.tool_calls ?? []) args[d.index] = (args[d.index] ?? '') + (d.function?.arguments ?? '');
  return args;
}

/** A fixture case's tool-call arguments as parsed whole and as streamed from its .chunks.txt. */
export function fixtureToolArguments(chat: ChatTranslation, dir: string, name: string, ctx: () => ResponseContext): { whole: string[]; streamed: string[] } {
  const fixtureCase = fixture<{ request: ChatRequest; upstreamResponse: unknown }>(dir, `${name}.json`);
  const whole = chat.parseResponse(fixtureCase.upstreamResponse, ctx());
  const t = chat.createStreamTransformer(ctx(), fixtureCase.request);
  const chunks = decodeAll(chat.framing, fs.readFileSync(path.join(dir, '__fixtures__', `${name}.chunks.txt`))).flatMap((e) => t.push(e));
  return { whole: whole.choices[0]!.message.tool_calls!.map((c) => (c as FunctionToolCall).function.arguments), streamed: streamedToolArguments(chunks) };
}
