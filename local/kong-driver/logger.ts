// The driver's logger: quiet unless KONG_DRIVER_LOG=1, so tests stay readable.
// Kong writes plugin-server output and PDK kong.log.* lines to its error log;
// we keep the same lines in memory so tests can assert on them.

export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'err' | 'crit' | 'alert' | 'emerg';

export interface LogLine {
  level: LogLevel;
  message: string;
}

export class DriverLogger {
  readonly lines: LogLine[] = [];
  private readonly echo: boolean;
  private readonly maxLines = 5000;

  constructor(echo = process.env.KONG_DRIVER_LOG === '1') {
    this.echo = echo;
  }

  log(level: LogLevel, message: string): void {
    if (this.lines.length >= this.maxLines) this.lines.shift();
    this.lines.push({ level, message });
    if (this.echo) process.stderr.write(`[kong-driver] [${level}] ${message}\n`);
  }

  /** True when some line contains `text` (tests use it to prove a log was written). */
  has(text: string): boolean {
    return this.lines.some((l) => l.message.includes(text));
  }
}
