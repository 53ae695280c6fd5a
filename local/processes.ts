// Reading processes through /proc (Linux): the nginx stand-in's own workers
// and plugin server, and the tests' view of a running stack
// (test/helpers/processes.ts builds on these).
import { readdirSync, readFileSync } from 'node:fs';

/** Every process id in /proc. */
export function pids(): string[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e));
}

/** Field `n` of /proc/<pid>/stat counted after the parenthesised command (0: state, 1: ppid). */
export function statField(stat: string, n: number): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n]);
}

/** Children of `pid` whose command line matches. */
export function childrenOf(pid: number, match: RegExp): number[] {
  return pids()
    .filter((e) => {
      try {
        return statField(readFileSync(`/proc/${e}/stat`, 'utf8'), 1) === pid && match.test(readFileSync(`/proc/${e}/cmdline`, 'utf8'));
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** Alive and not a zombie waiting for its parent to reap it. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The command line of `pid` ('' once it is gone); nginx writes its process titles here. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
