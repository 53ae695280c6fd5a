// What a data-plane worker does once its warm-up is done and it is still a
// spare: bundle-loader.ts sets it (save V8's code cache), worker.ts calls it.
// The two are separate copies of this module (the loader's from dist/, the
// bundle's own), so the hook lives on the global object under a registered
// symbol, which both copies name alike.
const KEY = Symbol.for('llm-gateway.data-worker.when-warm');

type Hooked = typeof globalThis & { [KEY]?: () => void };

/** Runs `fn` once this thread's spare warm-up is done (at most one hook; a later one replaces it). */
export function whenWarm(fn: () => void): void {
  (globalThis as Hooked)[KEY] = fn;
}

/** Called by the worker once warm and still a spare: runs the hook, if any, once. */
export function warmDone(): void {
  const g = globalThis as Hooked;
  const fn = g[KEY];
  g[KEY] = undefined;
  fn?.();
}
