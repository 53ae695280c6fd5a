// Trace ingest, one trace at a time as far as validity goes: the valid ones
// of a batch are stored (idempotently by id, traces.service), each invalid one
// is reported back by position with what is wrong, so the data plane can set
// it aside (its dead-letter file) and never resend it, while the rest of the
// batch is stored. Counted in llm_gateway_traces_rejected_total. Shadow
// traces among the valid ones also enter the shadow comparison table.
import type { Trace } from '../../plugin/contract';
import type { TraceCheck, TraceProblem } from '../loaders/trace-schema';
import type { MetricsService } from './metrics.service';
import type { ShadowComparisonsService } from './shadow-comparisons.service';
import type { TracesService } from './traces.service';

export interface RejectedTrace {
  index: number;
  id?: string;
  errors: TraceProblem[];
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedTrace[];
}

export class TraceIngestService {
  constructor(
    private readonly traces: TracesService,
    private readonly metrics: MetricsService,
    private readonly check: TraceCheck,
    private readonly shadowComparisons?: Pick<ShadowComparisonsService, 'record'>,
  ) {}

  async ingest(items: unknown[]): Promise<IngestResult> {
    const valid: Trace[] = [];
    const rejected: RejectedTrace[] = [];
    items.forEach((item, index) => {
      const errors = this.check(item);
      if (errors.length === 0) valid.push(item as Trace);
      else {
        const id = (item as { id?: unknown } | null)?.id;
        rejected.push({ index, ...(typeof id === 'string' ? { id: id.slice(0, 128) } : {}), errors: errors.slice(0, 5) });
      }
    });
    this.metrics.countRejectedTraces(rejected.length);
    const stored = await this.traces.ingest(valid);
    // After the traces: if this fails, the data plane resends the batch and both steps are idempotent.
    await this.shadowComparisons?.record(valid);
    return { ...stored, rejected };
  }
}
