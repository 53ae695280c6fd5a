// An answer's last bytes leave only once its trace is written: the data
// server holds each response's end (holdAnswerEnd) until the pipeline has
// spooled the trace, so whatever a client saw finish is on disk, even if the
// process dies at that instant. Every sink ends a response through endAnswer.
//
// The hold lives beside the response, in a map, not on it. An earlier version
// replaced `res.end` with a closure per request: with that own property on
// each ServerResponse, V8's young-generation collections kept every recent
// answer's objects (at one client, 1.6 MB copied and promoted per scavenge
// in a data worker, and 6-11 ms pauses; with the map, 0.45 MB at the first
// scavenge and under 1 ms after, bench/RESULTS.md §26).
import type { ServerResponse } from 'node:http';

interface Hold {
  /** What the sink asked to end with; `null` for a bare end(). */
  held?: string | null;
  timer?: NodeJS.Timeout;
}

const holds = new Map<ServerResponse, Hold>();

/** A handler that never returns is not waited for beyond this. */
export const ANSWER_HOLD_MAX_MS = 2_000;

/** Ends the answer now, or when its hold is released. */
export function endAnswer(res: ServerResponse, last?: string): void {
  const hold = holds.get(res);
  if (!hold || hold.held !== undefined) {
    res.end(last);
    return;
  }
  hold.held = last ?? null;
  hold.timer = setTimeout(() => release(res), ANSWER_HOLD_MAX_MS);
}

/** Holds the answer's end until the returned function is called (safe to call more than once). */
export function holdAnswerEnd(res: ServerResponse): () => void {
  holds.set(res, {});
  return () => release(res);
}

/** Responses whose end is held now (for tests). */
export function heldAnswers(): number {
  return holds.size;
}

function release(res: ServerResponse): void {
  const hold = holds.get(res);
  if (!hold) return;
  holds.delete(res);
  if (hold.timer) clearTimeout(hold.timer);
  if (hold.held === undefined) return;
  if (hold.held === null) res.end();
  else res.end(hold.held);
}
