// Sends this data plane's exporter counts (exported, dropped) to the control
// plane, which sums them over data planes on /metrics. Counts are cumulative,
// so a lost report costs nothing: the next one carries everything.
import { request } from '../upstream/undici-parts';
import type { TelemetryExporterCounts, TelemetryReport } from '../contract';
import { log } from '../log';

export interface ReporterOptions {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
  dataplaneId: string;
  everyMs: number;
  counts: () => TelemetryExporterCounts[];
}

export class CountsReporter {
  private timer: NodeJS.Timeout | undefined;
  private last = '[]';
  private sending: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly o: ReporterOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.report(), this.o.everyMs);
    this.timer.unref();
  }

  async stop(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    await Promise.race([this.report(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /** Reports when the counts changed since the last delivered report. */
  report(): Promise<void> {
    this.sending ??= this.send().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async send(): Promise<void> {
    const exporters = this.o.counts();
    const body = JSON.stringify(exporters);
    if (body === this.last) return;
    const report: TelemetryReport = { dataplaneId: this.o.dataplaneId, exporters };
    try {
      const res = await request(`${this.o.controlPlaneUrl.replace(/\/$/, '')}/api/v1/dataplane/telemetry`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.o.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(report),
        headersTimeout: this.o.timeoutMs,
        bodyTimeout: this.o.timeoutMs,
      });
      await res.body.dump();
      if (res.statusCode >= 300) throw new Error(`telemetry report answered ${res.statusCode}`);
      this.last = body;
      this.failures = 0;
    } catch (err) {
      if (this.failures++ % 30 === 0) log.warn('telemetry: could not report exporter counts', { error: (err as Error).message });
    }
  }
}
