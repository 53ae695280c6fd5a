// Keeps one part of the local stack running. The first start is the
// caller's: if it fails, the launcher stops what it already started and
// exits. After that, a part that exits on its own (a crash, a kill) is
// started again with backoff (1 s doubling to 30 s), while the others go on:
// the gateway serves from its cached configuration while the control plane
// is away, and the control plane reconnects to a restarted database.
export interface RunningPart {
  pid: number | undefined;
  /** Settles when the part has ended, for whatever reason. */
  exited: Promise<unknown>;
  stop(): Promise<void>;
}

export interface Supervised {
  readonly current: RunningPart;
  readonly restarts: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function supervise(name: string, start: () => Promise<RunningPart>, log: (message: string) => void): Promise<Supervised> {
  let current = await start();
  let stopping = false;
  let restarts = 0;

  const watch = (part: RunningPart) => {
    const startedAt = Date.now();
    void part.exited.then(async () => {
      if (stopping) return;
      log(`${name} (pid ${part.pid}) exited unexpectedly; starting it again`);
      // A part that ran a while before failing starts over with the shortest wait.
      let delay = Date.now() - startedAt > 60_000 ? 500 : 1_000;
      for (;;) {
        await sleep(delay);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() sets it while this sleeps
        if (stopping) return;
        try {
          const next = await start();
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() sets it while start() runs
          if (stopping) {
            await next.stop();
            return;
          }
          current = next;
          restarts++;
          log(`${name} started again (pid ${next.pid})`);
          watch(next);
          return;
        } catch (err) {
          log(`${name} did not start: ${(err as Error).message}; retrying`);
          delay = Math.min(delay * 2, 30_000);
        }
      }
    });
  };
  watch(current);

  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      await current.stop();
    },
  };
}
