// Background work yields to the data path. Co-located with Kong (npm start,
// one host), the control plane's ingest and its database's writes come in
// bursts (a rollup group a second) that take cores from requests in flight:
// at one client, with both at nice 10, the gateway's added p99 fell from a
// median 19.6 to 15.0 ms over 7 alternated runs each (bench/RESULTS.md §25).
// Raising a nice value needs no privilege.
import fs from 'node:fs';
import os from 'node:os';

/** Where the control plane and its database share a host with Kong (npm start, the bench): GATEWAY_NICE, else 10. */
export function sharedHostNice(env: NodeJS.ProcessEnv = process.env): number {
  return env.GATEWAY_NICE ? Number(env.GATEWAY_NICE) : 10;
}

/**
 * Sets the nice value of every thread of `pid`: on Linux a nice value
 * belongs to a thread, and only threads started later inherit it. A thread
 * started while this runs, by one not lowered yet, starts at the old value
 * and is not in the list first read (a Go runtime such as FerretDB's starts
 * threads at any time): so the threads are read again until a reading finds
 * none not lowered yet. After that every thread is lowered, and those
 * started later inherit it.
 */
export function lowerPriority(pid: number, nice: number, log?: { warn: (o: object, m: string) => void }): void {
  const lowered = new Set<number>();
  // Bounded: a process that never stops starting threads must not hold this caller.
  for (let reading = 0; reading < 50; reading++) {
    const fresh = threadsOf(pid).filter((tid) => !lowered.has(tid));
    if (fresh.length === 0) return;
    for (const tid of fresh) {
      lowered.add(tid);
      try {
        os.setPriority(tid, nice);
      } catch (err) {
        // A thread that ended meanwhile; anything else is worth a line.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') log?.warn({ pid, tid, nice, error: (err as Error).message }, 'could not lower the priority');
      }
    }
  }
}

function threadsOf(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}
