// OpenTelemetry export of every finished request, to the exporters the
// control plane configures (snapshot) and to the one the standard
// OTEL_EXPORTER_OTLP_* variables describe. Export never touches the request
// path: spans are queued (bounded) after the answer went out and sent in
// batches in the background; a backend that is slow or down only loses
// spans, counted per exporter and reported to the control plane (/metrics).
import { randomBytes, randomUUID } from 'node:crypto';
import type { TelemetryExporter, TelemetryExporterCounts, Trace } from '../contract';
import { log } from '../log';
import type { TraceRecorder } from '../pipeline/trace-recorder';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExporterPipeline, PipelineCounts, SpanIds } from './exporter-pipeline';
import { exporterFromEnv, type EnvExporter } from './exporter-from-env';
import { otelSdk } from './otel-sdk';
import { planSpans } from './plan-spans';
import { CountsReporter } from './report-counts';

export interface TelemetryOptions {
  controlPlaneUrl: string;
  token: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** How often counts are reported to the control plane (when they changed). */
  reportMs?: number;
}

interface Active {
  id: string;
  key: string;
  name: string;
  content: boolean;
  pipeline: ExporterPipeline;
}

const ENV_ID = 'env';

export class Telemetry {
  readonly dataplaneId = `dp-${randomUUID()}`;
  private readonly active = new Map<string, Active>();
  /** Counts of pipelines already replaced or removed, by exporter id (counts only grow). */
  private readonly retired = new Map<string, PipelineCounts & { name: string }>();
  /** Replaced or removed pipelines still sending what they had queued. */
  private readonly draining = new Set<Active>();
  private readonly env: EnvExporter | undefined;
  private readonly reporter: CountsReporter;
  private failing = false;

  constructor(o: TelemetryOptions) {
    const env = o.env ?? process.env;
    this.env = exporterFromEnv(env);
    if (this.env) {
      this.activate(ENV_ID, this.env.key, 'OTEL_EXPORTER_OTLP_* environment', this.env.content, this.env.samplingRatio, this.env.create(), this.env);
      log.info('telemetry: exporting spans to the OTLP endpoint of the environment', { protocol: this.env.protocol });
    }
    this.reporter = new CountsReporter({ ...o, dataplaneId: this.dataplaneId, counts: () => this.counts(), everyMs: o.reportMs ?? 10_000 });
  }

  start(): void {
    this.reporter.start();
  }

  /** Follows the snapshot: new exporters start, changed ones restart, removed ones flush and stop. */
  configure(exporters: TelemetryExporter[] = []): void {
    const wanted = new Map(exporters.map((e) => [e.id, e]));
    for (const [id, current] of this.active) {
      if (id === ENV_ID) continue;
      const next = wanted.get(id);
      if (!next || keyOf(next) !== current.key) this.retire(id, current);
    }
    for (const e of exporters) {
      if (this.active.has(e.id)) continue;
      this.activate(e.id, keyOf(e), e.name, e.content, e.samplingRatio, otelSdk().createOtlpExporter(e));
    }
  }

  /** Hands a finished request to every exporter; never throws, never waits. */
  export(trace: Trace, recorder: TraceRecorder, logPayloads: boolean): void {
    if (this.active.size === 0) return;
    try {
      const request = {
        trace,
        startMs: performance.timeOrigin + recorder.start.startedAt,
        params: recorder.start.params,
        finishReasons: recorder.finishReasons,
        logPayloads,
      };
      const ids = spanIds(trace, recorder);
      let plain: ReturnType<typeof planSpans> | undefined;
      let withContent: ReturnType<typeof planSpans> | undefined;
      for (const a of this.active.values()) {
        const plan = a.content ? (withContent ??= planSpans(request, true)) : (plain ??= planSpans(request, false));
        a.pipeline.record(ids, plan);
      }
      this.failing = false;
    } catch (err) {
      if (!this.failing) log.error('telemetry: could not record spans', { error: (err as Error).stack ?? String(err) });
      this.failing = true;
    }
  }

  /** Cumulative counts per exporter since this data plane started. */
  counts(): TelemetryExporterCounts[] {
    const out = new Map<string, TelemetryExporterCounts>();
    for (const [id, r] of this.retired) out.set(id, { exporter: id, name: r.name, exported: r.exported, dropped: r.dropped });
    for (const a of [...this.draining, ...this.active.values()]) {
      const c = a.pipeline.counts();
      const before = out.get(a.id);
      out.set(a.id, { exporter: a.id, name: a.name, exported: c.exported + (before?.exported ?? 0), dropped: c.dropped + (before?.dropped ?? 0) });
    }
    return [...out.values()];
  }

  async stop(timeoutMs = 2_000): Promise<void> {
    for (const [id, a] of this.active) this.retire(id, a);
    await Promise.all([...this.draining].map((a) => a.pipeline.shutdown(timeoutMs)));
    await this.reporter.stop(timeoutMs);
  }

  private activate(
    id: string,
    key: string,
    name: string,
    content: boolean,
    samplingRatio: number,
    exporter: SpanExporter,
    queue: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMs?: number } = {},
  ): void {
    const { ExporterPipeline, resource } = otelSdk();
    const pipeline = new ExporterPipeline({
      exporter,
      resource,
      samplingRatio,
      maxQueueSize: queue.maxQueueSize ?? 2048,
      maxExportBatchSize: queue.maxExportBatchSize ?? 512,
      scheduledDelayMs: queue.scheduledDelayMs ?? 1000,
    });
    this.active.set(id, { id, key, name, content, pipeline });
  }

  private retire(id: string, a: Active): void {
    this.active.delete(id);
    this.draining.add(a);
    // Queued spans still go out (bounded in time); then its counts join the retired ones.
    void a.pipeline.shutdown().then(() => {
      this.draining.delete(a);
      this.addRetired(a);
    });
  }

  private addRetired(a: Active): void {
    const c = a.pipeline.counts();
    const before = this.retired.get(a.id);
    this.retired.set(a.id, { name: a.name, exported: c.exported + (before?.exported ?? 0), dropped: c.dropped + (before?.dropped ?? 0) });
  }
}

/** Restart an exporter when anything it was built from changed. */
function keyOf(e: TelemetryExporter): string {
  return `${e.id}@${e.version}`;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The caller's trace and span when it sent a traceparent (the request span
 * then takes the span id providers were given); otherwise a new trace whose
 * id is the request id, so x-request-id finds it in any tracing backend.
 */
function spanIds(trace: Trace, recorder: TraceRecorder): SpanIds {
  const client = TRACEPARENT.exec(recorder.start.clientTraceparent?.trim() ?? '');
  const ours = TRACEPARENT.exec(recorder.traceparent ?? '');
  if (client && ours) {
    return { traceId: client[1]!, spanId: ours[2]!, parent: { spanId: client[2]!, sampled: (parseInt(client[3]!, 16) & 1) === 1 } };
  }
  const fromId = trace.id.replace(/-/g, '').toLowerCase();
  return { traceId: /^[0-9a-f]{32}$/.test(fromId) ? fromId : randomBytes(16).toString('hex') };
}
