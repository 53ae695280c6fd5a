// Do two answers to the same request agree? Pure and cheap (it runs for
// every shadowed request): the same text, the same tool calls (names and
// parsed arguments, in any order), and a similarity of the texts for when
// they differ: the cosine of their word counts (1 = the same words as often,
// 0 = no word in common), which ignores order and costs one pass per text.
import { configure } from 'safe-stable-stringify';
import type { AssistantMessage, FinishReason } from '../openai/types';

const stringify = configure({ deterministic: true });

export interface Answer {
  text: string;
  toolCalls: Array<{ name: string; arguments: string }>;
  finishReason: FinishReason | null;
}

export interface Agreement {
  exactMatch: boolean;
  sameToolCalls: boolean;
  toolCalls: boolean;
  textSimilarity: number;
}

export function answerOf(message: AssistantMessage | undefined, finishReason: FinishReason | null): Answer {
  return {
    text: message?.content ?? '',
    toolCalls: (message?.tool_calls ?? []).map((c) =>
      c.type === 'custom' ? { name: c.custom.name, arguments: c.custom.input } : { name: c.function.name, arguments: c.function.arguments },
    ),
    finishReason,
  };
}

export function compareAnswers(a: Answer, b: Answer): Agreement {
  const sameToolCalls = sameMultiset(a.toolCalls.map(canonicalCall), b.toolCalls.map(canonicalCall));
  return {
    exactMatch: sameToolCalls && a.text.trim() === b.text.trim(),
    sameToolCalls,
    toolCalls: a.toolCalls.length + b.toolCalls.length > 0,
    textSimilarity: textSimilarity(a.text, b.text),
  };
}

/** Arguments compared as parsed JSON (key order and spacing do not matter); unparseable ones as text. */
function canonicalCall(call: { name: string; arguments: string }): string {
  let args: unknown = call.arguments;
  try {
    args = JSON.parse(call.arguments);
  } catch {
    // a free-form or broken argument string: compare it as it is
  }
  return stringify({ name: call.name, args }) ?? '';
}

function sameMultiset(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}

/** Cosine similarity of lower-cased word counts, rounded to 4 decimals; two empty texts are alike. */
export function textSimilarity(a: string, b: string): number {
  const x = wordCounts(a);
  const y = wordCounts(b);
  if (x.size === 0 && y.size === 0) return 1;
  if (x.size === 0 || y.size === 0) return 0;
  let dot = 0;
  for (const [w, n] of x) dot += n * (y.get(w) ?? 0);
  const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, n) => s + n * n, 0));
  return Math.round((dot / (norm(x) * norm(y))) * 1e4) / 1e4;
}

function wordCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}
