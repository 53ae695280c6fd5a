// A call's abort, as those who watch it see it: the provider call (undici's
// request, in both majors, takes any object with `aborted`, `reason` and
// 'abort' listeners), the retry backoff (node:timers/promises' sleep, the
// same) and the attempt loop and stream relay (reading `aborted`).
//
// The data server makes one per request, and it lives as long as the
// request: minutes for a stream. An AbortController with undici's listener
// on its signal is ~0.5 KiB (an EventTarget with its listener map, and Node's
// wrapper per listener); this, with that one listener, ~0.1 KiB.
import { log } from '../log';

/** Every watcher passes a function that reads nothing of the event (EventTarget's `handleEvent` objects are not taken). */
type AbortListener = () => void;

/** What watchers of a call's abort may use (an AbortSignal is one too). */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: AbortListener, options?: unknown): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

/** A call's abort: a CallSignal that its owner aborts once. */
export class CallAbort implements CallSignal {
  aborted = false;
  reason: unknown = undefined;
  /** One listener, the common case (undici's), or several. */
  private listeners: AbortListener | AbortListener[] | undefined = undefined;

  /** Listeners fire once; one added after the abort never fires (as with an AbortSignal: check `aborted` first). */
  addEventListener(type: string, listener: AbortListener): void {
    if (type !== 'abort' || this.aborted) return;
    const now = this.listeners;
    if (now === undefined) this.listeners = listener;
    else if (Array.isArray(now)) now.push(listener);
    else this.listeners = [now, listener];
  }

  removeEventListener(type: string, listener: AbortListener): void {
    if (type !== 'abort') return;
    const now = this.listeners;
    if (now === listener) this.listeners = undefined;
    else if (Array.isArray(now)) {
      const i = now.indexOf(listener);
      if (i >= 0) now.splice(i, 1);
    }
  }

  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const now = this.listeners;
    this.listeners = undefined;
    for (const listener of Array.isArray(now) ? now : now ? [now] : []) {
      // One watcher's failure must not keep the abort from the others (nor end the worker).
      try {
        listener.call(this);
      } catch (err) {
        log.error('call abort: a listener failed', { error: (err as Error).message });
      }
    }
  }
}
