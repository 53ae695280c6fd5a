// Traces the control plane refused for good (they do not fit its schema even
// after bounding: a bug or a version skew) are set aside here instead of
// being retried forever in front of every later trace. One JSON line each,
// with the reason, in `<state_dir>/dead-letter-traces.jsonl`, for an operator
// to inspect or replay; the log says only the id and the reason, never the
// payload. The file stops growing at `maxBytes` (the count goes on).
import fs from 'node:fs';
import { join } from 'node:path';
import type { Trace } from '../contract';
import { log } from '../log';

export const DEAD_LETTER_FILE = 'dead-letter-traces.jsonl';

export class DeadLetters {
  readonly file: string;
  /** Traces dead-lettered by this process. */
  count = 0;

  constructor(
    dir: string,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {
    this.file = join(dir, DEAD_LETTER_FILE);
  }

  add(trace: Trace, reason: string): void {
    this.count++;
    const line = `${JSON.stringify({ deadLetteredAt: new Date().toISOString(), reason, trace })}\n`;
    let kept = false;
    try {
      const size = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
      if (size + line.length <= this.maxBytes) {
        const fd = fs.openSync(this.file, 'a', 0o600);
        try {
          fs.writeSync(fd, line);
          fs.fdatasyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        kept = true;
      }
    } catch (err) {
      log.error('traces: could not write the dead-letter file', { file: this.file, error: (err as Error).message });
    }
    log.error('traces: the control plane refused a trace for good; set aside', {
      id: typeof trace.id === 'string' ? trace.id.slice(0, 128) : undefined,
      reason: reason.slice(0, 300),
      deadLettered: this.count,
      file: kept ? this.file : '(full: not kept)',
    });
  }
}
