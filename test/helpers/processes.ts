// Finding the processes of a stack under test through /proc (Linux): by the
// GATEWAY_DATA_DIR their launcher gave them, or as children of a pid.
import { readdirSync, readFileSync } from 'node:fs';

function pids(): string[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e));
}

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

/** Children of `pid` whose command line matches. */
export function childrenOf(pid: number, match: RegExp): number[] {
  return pids()
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === pid && match.test(readFileSync(`/proc/${e}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Every process below `pid` (children, their children...). */
export function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const e of pids()) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parentOf.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
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

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
export function threadNiceValues(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // ended meanwhile
    }
  });
}

/** The command line of `pid` ('' once it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
