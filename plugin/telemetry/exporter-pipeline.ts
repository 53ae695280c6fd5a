// One exporter's path: its own tracer provider (sampler, resource), a
// bounded queue with batch export off the request path (the SDK's
// BatchSpanProcessor), and exact counts of what the backend accepted and
// what was lost. Spans are built after the request has finished, from its
// trace, with the times and ids the request really had.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type HrTime, type Span } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  RandomIdGenerator,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type IdGenerator,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { SpanPlan } from './plan-spans';

export interface PipelineOptions {
  exporter: SpanExporter;
  resource: Resource;
  samplingRatio: number;
  /** Spans waiting for export at most; more are dropped (and counted). */
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
}

export interface SpanIds {
  traceId: string;
  /** The request span's id (the one providers saw as their parent). */
  spanId?: string;
  /** The caller's span, when the request carried a traceparent. */
  parent?: { spanId: string; sampled: boolean };
}

export interface PipelineCounts {
  exported: number;
  dropped: number;
}

export class ExporterPipeline {
  private readonly ids = new PresetIdGenerator();
  private readonly provider: TracerProvider;
  private readonly tracer;
  private readonly counter: CountingExporter;
  private readonly queue: BoundedProcessor;

  constructor(o: PipelineOptions) {
    this.counter = new CountingExporter(o.exporter);
    const batch = new BatchSpanProcessor({
      exporter: this.counter,
      maxQueueSize: o.maxQueueSize,
      maxExportBatchSize: o.maxExportBatchSize,
      scheduledDelayMillis: o.scheduledDelayMs,
      exportTimeoutMillis: 30_000,
    });
    this.queue = new BoundedProcessor(batch, this.counter, o.maxQueueSize);
    this.provider = new TracerProvider({
      resource: o.resource,
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.samplingRatio) }),
      idGenerator: this.ids,
      spanProcessors: [this.queue],
    });
    this.tracer = this.provider.getTracer('kong-llm-gateway');
  }

  /** Builds and queues the spans of one request; synchronous and cheap (no I/O). */
  record(ids: SpanIds, plan: { request: SpanPlan; attempts: SpanPlan[] }): void {
    const parent = ids.parent
      ? trace.setSpanContext(ROOT_CONTEXT, {
          traceId: ids.traceId,
          spanId: ids.parent.spanId,
          traceFlags: ids.parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: true,
        })
      : ROOT_CONTEXT;
    this.ids.preset(ids.traceId, ids.spanId);
    const request = this.start(plan.request, parent);
    this.ids.preset(undefined, undefined);
    const under = trace.setSpan(ROOT_CONTEXT, request);
    for (const attempt of plan.attempts) this.end(this.start(attempt, under), attempt);
    this.end(request, plan.request);
  }

  counts(): PipelineCounts {
    return { exported: this.counter.exported, dropped: this.counter.failed + this.queue.dropped };
  }

  /** Sends what is queued, within `timeoutMs`, and stops. */
  async shutdown(timeoutMs = 2_000): Promise<void> {
    await Promise.race([this.provider.shutdown(), new Promise((r) => setTimeout(r, timeoutMs).unref())]).catch(() => undefined);
  }

  private start(plan: SpanPlan, parent: Context): Span {
    return this.tracer.startSpan(
      plan.name,
      { kind: plan.kind === 'server' ? SpanKind.SERVER : SpanKind.CLIENT, startTime: hrTime(plan.startMs), attributes: plan.attributes },
      parent,
    );
  }

  private end(span: Span, plan: SpanPlan): void {
    for (const e of plan.events) span.addEvent(e.name, e.attributes, hrTime(e.timeMs));
    if (plan.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: plan.error });
    span.end(hrTime(plan.endMs));
  }
}

/** Epoch milliseconds as [seconds, nanoseconds] (a plain number below the process start would be read as a monotonic time). */
function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** Random ids, except the ones the request already has (its trace id, the span id providers saw). */
class PresetIdGenerator implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private traceId?: string;
  private spanId?: string;

  preset(traceId: string | undefined, spanId: string | undefined): void {
    this.traceId = traceId;
    this.spanId = spanId;
  }

  generateTraceId(): string {
    const id = this.traceId ?? this.random.generateTraceId();
    this.traceId = undefined;
    return id;
  }

  generateSpanId(): string {
    const id = this.spanId ?? this.random.generateSpanId();
    this.spanId = undefined;
    return id;
  }
}

/** Counts what the backend accepted and what it refused or never got (timeouts, connection errors). */
class CountingExporter implements SpanExporter {
  exported = 0;
  failed = 0;
  /** Spans handed to export and not yet answered. */
  pending = 0;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.pending += spans.length;
    let answered = false;
    this.inner.export(spans, (result) => {
      if (answered) return;
      answered = true;
      this.pending -= spans.length;
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison -- ExportResultCode lives in @opentelemetry/core, not a dependency of ours; 0 is SUCCESS
      if (result.code === 0) this.exported += spans.length;
      else this.failed += spans.length;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Admits a span only while fewer than `max` are queued or being exported,
 * so the batch processor (which drops silently when full) never has to, and
 * every lost span is counted here or by the exporter.
 */
class BoundedProcessor implements SpanProcessor {
  dropped = 0;
  private admitted = 0;

  constructor(
    private readonly inner: SpanProcessor,
    private readonly exporter: CountingExporter,
    private readonly max: number,
  ) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (!(span.spanContext().traceFlags & TraceFlags.SAMPLED)) return;
    const settled = this.exporter.exported + this.exporter.failed;
    if (this.admitted - settled >= this.max) {
      this.dropped++;
      return;
    }
    this.admitted++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
