// Finding the processes of a stack under test through /proc (Linux): by the
// GATEWAY_DATA_DIR their launcher gave them, or as children of a pid.
import { readdirSync, readFileSync } from 'node:fs';
import { pids, statField } from '../../local/processes';

export { alive, childrenOf, cmdline } from '../../local/processes';

/** Processes whose environment names this data dir (a launcher's parts inherit GATEWAY_DATA_DIR). */
export function processesOf(dataDir: string): number[] {
  return pids()
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`GATEWAY_DATA_DIR=${dataDir}`);
      } catch {
        return false; // gone meanwhile, or not ours
      }
    })
    .map(Number);
}

/** Every process below `pid` (children, their children...). */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const e of pids()) {
    try {
      parentOf.set(Number(e), statField(readFileSync(`/proc/${e}/stat`, 'utf8'), 1));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** The first process below `pid` whose command line matches. */
export function descendantMatching(pid: number, match: RegExp): number | undefined {
  return descendantsOf(pid).find((p) => {
    try {
      return match.test(readFileSync(`/proc/${p}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** The nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
export function threadNiceValues(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return [statField(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'), 16)];
    } catch {
      return []; // ended meanwhile
    }
  });
}
