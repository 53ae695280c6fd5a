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
