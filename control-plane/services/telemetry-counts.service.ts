// What data planes report of their OpenTelemetry exporters: spans exported
// and dropped, cumulative per data plane. The latest report of each data
// plane is kept in the database, so every control-plane replica serves the
// same sums on /metrics, and a data plane that restarts (a new id, counts
// from zero) adds to them instead of resetting them.
import { Counter, type Registry } from 'prom-client';
import type { TelemetryReport } from '../../plugin/contract';
import type { Models } from '../models';
import type { TelemetryCountDoc } from '../models/telemetry-count.model';
import { KeyedMutex } from './keyed-mutex';

export class TelemetryCountsService {
  /** One write at a time per document: FerretDB applies a `$max` as a read and a separate write, so concurrent ones lose counts (keyed-mutex.ts). */
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly models: Models,
    registry: Registry,
  ) {
    const sums = () => this.sums();
    for (const [name, field, help] of [
      ['llm_gateway_otel_spans_exported_total', 'exported', 'OpenTelemetry spans the exporter backend accepted, summed over data planes.'],
      ['llm_gateway_otel_spans_dropped_total', 'dropped', 'OpenTelemetry spans lost (export queue full, backend down or refusing), summed over data planes.'],
    ] as const) {
      new Counter({
        name,
        help,
        labelNames: ['exporter'],
        registers: [registry],
        async collect() {
          this.reset();
          for (const s of await sums()) this.inc({ exporter: s.name }, s[field]);
        },
      });
    }
  }

  async record(report: TelemetryReport): Promise<void> {
    const now = new Date();
    const upsert = (id: string, e: TelemetryReport['exporters'][number]) =>
      this.models.telemetryCounts.updateOne(
        { _id: id },
        // Reports can arrive out of order: counts only grow.
        { $set: { dataplaneId: report.dataplaneId, exporter: e.exporter, name: e.name, updatedAt: now }, $max: { exported: e.exported, dropped: e.dropped } },
        { upsert: true },
      );
    await Promise.all(
      report.exporters.map((e) => {
        const id = `${report.dataplaneId}/${e.exporter}`;
        return this.locks.run(id, () =>
          // Two replicas racing to create the same document: one insert wins, the other is a duplicate key; as an update it applies.
          upsert(id, e).catch((err: unknown) => {
            if ((err as { code?: number } | null)?.code !== 11000) throw err;
            return upsert(id, e);
          }),
        );
      }),
    );
  }

  /** Sums per exporter over every data plane that ever reported. */
  async sums(): Promise<Array<{ name: string; exported: number; dropped: number }>> {
    const docs = await this.models.telemetryCounts.find().lean<TelemetryCountDoc[]>();
    const by = new Map<string, { name: string; exported: number; dropped: number }>();
    for (const d of docs) {
      const s = by.get(d.exporter) ?? { name: d.name || d.exporter, exported: 0, dropped: 0 };
      s.exported += d.exported;
      s.dropped += d.dropped;
      by.set(d.exporter, s);
    }
    return [...by.values()];
  }
}
