// The trace spool: one append-only file per running shipper in the state
// directory, so that plugin servers running side by side (Kong reload starts
// the new one before the old one exits) never write into each other's file.
// Every trace is written with a synchronous write before the request's
// handling ends, so a crash or SIGKILL loses only traces that were never
// written; `sync()` makes them durable (fsync) on a flush and before exit.
//
// A file whose owner is gone is adopted by any other shipper: a file released
// on a clean stop, or named after a process that no longer exists, at once;
// any other once its owner stopped touching it (the owner refreshes its mtime
// every few seconds, so a dead thread's or another host's file goes stale). Adoption renames the file first (atomic: one adopter wins), copies
// its traces into the adopter's own spool and queue, then deletes it. An
// owner that finds its file adopted (it was only paused, e.g. SIGSTOP)
// writes its whole queue to a fresh file: duplicates are harmless, the
// control plane ingests by trace id.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import type { Trace } from '../contract';
import { log } from '../log';

const PREFIX = 'traces-';
const RELEASED = 'traces-released-';
const ADOPTING = 'traces-adopting-';

export interface SpoolOptions {
  dir: string;
  /** A file untouched this long has no living owner. */
  staleMs: number;
}

export class Spool {
  /** The file appended to now; compaction moves to a fresh one. */
  file: string;
  private fd: number | undefined;
  private ino = 0;
  private unsynced = false;
  /** fsyncs running on libuv's thread pool; an fd they use is closed only after them. */
  private syncing = 0;
  private retired: number[] = [];
  /** Lines in the file, delivered or not (compaction bound). */
  lines = 0;

  constructor(private readonly options: SpoolOptions) {
    this.file = newSpoolPath(options.dir);
  }

  open(): void {
    fs.mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.ino = fs.fstatSync(this.fd).ino;
  }

  append(trace: Trace): void {
    this.write(`${JSON.stringify(trace)}\n`);
    this.lines++;
  }

  /** fsync if anything was written since the last one (blocking: for close and adoption). */
  sync(): void {
    if (this.fd === undefined || !this.unsynced) return;
    fs.fdatasyncSync(this.fd);
    this.unsynced = false;
  }

  /**
   * The periodic fsync, off the event loop: a synchronous one stalls every
   * request in flight on this thread for the disk's flush (3 ms typical,
   * 15 ms on a busy disk), which was the gateway's one-client p99. Lines
   * written while it runs stay marked unsynced for the next one.
   */
  syncInBackground(): Promise<void> {
    if (this.fd === undefined || !this.unsynced) return Promise.resolve();
    const fd = this.fd;
    this.unsynced = false;
    this.syncing++;
    return new Promise((resolve, reject) => {
      fs.fdatasync(fd, (err) => {
        if (--this.syncing === 0) for (const old of this.retired.splice(0)) fs.close(old, () => undefined);
        if (err) {
          if (fd === this.fd) this.unsynced = true;
          reject(err);
        } else resolve();
      });
    });
  }

  /**
   * Compaction once traces were delivered: the spool moves to a fresh file
   * holding only `undelivered()` (read when the new file is open), and the
   * old file goes. Every metadata operation runs on libuv's thread pool: a
   * truncate on the event loop waited for the background fsync's writeback of
   * the same file and took 5 ms a second on a busy disk, stalling every
   * request of the data worker (bench/RESULTS.md §32). A crash before the old
   * file is gone leaves both files, and both are adopted: duplicates are
   * harmless, the control plane ingests by trace id.
   */
  async compact(undelivered: () => Trace[]): Promise<void> {
    if (this.fd === undefined) return;
    const file = newSpoolPath(this.options.dir);
    const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'a', 0o600, (err, opened) => (err ? reject(err) : resolve(opened))));
    const ino = await new Promise<number>((resolve) => fs.fstat(fd, (err, st) => resolve(err ? 0 : st.ino)));
    // (Read again: close() may have run during the awaits.)
    if ((this.fd as number | undefined) === undefined || !this.ownsFile()) {
      // Closed meanwhile, or adopted by another process (the heartbeat re-spools): the fresh file is not wanted.
      fs.close(fd, () => fs.unlink(file, () => undefined));
      return;
    }
    const traces = undelivered();
    const old = { fd: this.fd, file: this.file };
    try {
      // Appends are synchronous, so nothing lands between this write and the swap.
      if (traces.length > 0) fs.writeSync(fd, spoolLines(traces));
    } catch (err) {
      fs.close(fd, () => fs.unlink(file, () => undefined));
      throw err;
    }
    this.fd = fd;
    this.file = file;
    this.ino = ino;
    this.lines = traces.length;
    this.unsynced = traces.length > 0;
    try {
      // The undelivered lines are durable in the new file before the old one goes (kept if that fails).
      if (traces.length > 0) await this.syncInBackground();
      fs.unlink(old.file, () => undefined);
    } finally {
      this.retire(old.fd);
    }
  }

  /** Replaces the file's content with `traces` (what is still undelivered), durably. */
  rewrite(traces: Trace[]): void {
    if (traces.length === 0 && this.fd !== undefined && this.ownsFile()) {
      fs.ftruncateSync(this.fd, 0);
      this.lines = 0;
      return;
    }
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, spoolLines(traces), { mode: 0o600 });
    const fd = fs.openSync(tmp, 'r+');
    fs.fdatasyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    this.reopen();
    this.lines = traces.length;
  }

  /**
   * Refreshes the mtime (the owner is alive) and checks the file is still
   * ours; false when another shipper adopted it (the caller re-spools).
   */
  heartbeat(): boolean {
    if (this.fd === undefined) return true;
    if (!this.ownsFile()) {
      this.reopen();
      return false;
    }
    const now = new Date();
    fs.futimesSync(this.fd, now, now);
    return true;
  }

  /** Closes the file; with undelivered traces left it is released for adoption, else removed. */
  close(undelivered: number): void {
    if (this.fd === undefined) return;
    this.sync();
    this.retire(this.fd);
    this.fd = undefined;
    if (!fs.existsSync(this.file)) return;
    if (undelivered === 0) fs.rmSync(this.file, { force: true });
    else fs.renameSync(this.file, join(this.options.dir, `${RELEASED}${process.pid}-${randomBytes(6).toString('hex')}.jsonl`));
  }

  /** Traces of files nobody owns any more; they are in this spool once this returns. */
  adoptOrphans(): Trace[] {
    const adopted: Trace[] = [];
    let names: string[];
    try {
      names = fs.readdirSync(this.options.dir);
    } catch {
      return adopted;
    }
    for (const name of names) {
      const path = join(this.options.dir, name);
      if (path === this.file || !name.endsWith('.jsonl') || !name.startsWith(PREFIX)) continue;
      if (!name.startsWith(RELEASED) && !ownerIsGone(name) && !this.isStale(path)) continue;
      const claimed = join(this.options.dir, `${ADOPTING}${process.pid}-${randomBytes(6).toString('hex')}.jsonl`);
      try {
        fs.renameSync(path, claimed); // atomic: if another shipper got there first this throws ENOENT
      } catch {
        continue;
      }
      const traces = readSpoolFile(claimed);
      for (const t of traces) this.append(t);
      this.sync();
      fs.rmSync(claimed, { force: true });
      adopted.push(...traces);
      log.info('traces: adopted a spool file left by another process', { file: name, traces: traces.length });
    }
    return adopted;
  }

  private write(text: string): void {
    if (this.fd === undefined) return;
    fs.writeSync(this.fd, text);
    this.unsynced = true;
  }

  /** Closes an fd off the event loop, once the background fsyncs that may use it are done (its number must not be reused under them). */
  private retire(fd: number): void {
    if (this.syncing > 0) this.retired.push(fd);
    else fs.close(fd, () => undefined);
  }

  private ownsFile(): boolean {
    try {
      return fs.statSync(this.file).ino === this.ino;
    } catch {
      return false;
    }
  }

  private reopen(): void {
    if (this.fd !== undefined) this.retire(this.fd);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.ino = fs.fstatSync(this.fd).ino;
    this.lines = 0;
  }

  private isStale(path: string): boolean {
    try {
      return Date.now() - fs.statSync(path).mtimeMs > this.options.staleMs;
    } catch {
      return false;
    }
  }
}

function spoolLines(traces: Trace[]): string {
  return traces.map((t) => `${JSON.stringify(t)}\n`).join('');
}

function newSpoolPath(dir: string): string {
  return join(dir, `${PREFIX}${process.pid}-${randomBytes(6).toString('hex')}.jsonl`);
}

/** A plain spool file names its process: traces-<pid>-<random>.jsonl. A process that no longer exists owns nothing. */
function ownerIsGone(name: string): boolean {
  const m = /^traces-(?:adopting-)?(\d+)-[0-9a-f]+\.jsonl$/.exec(name);
  if (!m) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function readSpoolFile(path: string): Trace[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const traces: Trace[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      traces.push(JSON.parse(line) as Trace);
    } catch {
      // A torn last line from a crash mid-write: skip it.
    }
  }
  return traces;
}
