// Shadow traffic off the client's path. A request is sampled before its
// attempts (so only sampled answers are copied); once the client has its
// answer and the request's trace is queued, the shadow call starts on a later
// turn of the event loop, bounded per endpoint (a sampled shadow beyond the
// bound is skipped and traced as `shadow_busy`, never queued), and its trace
// is queued like any other. Nothing of it can delay, change or fail the
// client's answer: it starts after it, and its errors end in its own trace.
import { randomUUID } from 'node:crypto';
import type { BudgetPolicy, Endpoint, ShadowSettings, Trace } from '../contract';
import type { BudgetGuard } from '../budget';
import type { ChatSink, Sink } from '../ingress/contract';
import { log } from '../log';
import type { ChatRequest } from '../openai/types';
import type { AttemptOutcome } from '../pipeline/call-kind';
import type { Telemetry } from '../telemetry/telemetry';
import type { TraceShipper } from '../traces/shipper';
import type { Redactor } from '../security/redact-secrets';
import { callShadow } from './call-shadow';
import { AnswerRecorder } from './record-answer';

export interface ShadowDeps {
  budget: BudgetGuard;
  shipper: TraceShipper;
  /** OpenTelemetry export (absent: none): a shadow call is exported like a request. */
  telemetry?: Pick<Telemetry, 'export'>;
  random?: () => number;
}

/** A sampled request: watch its answer, then launch its shadow if it was answered. */
export class ShadowTicket {
  readonly id = randomUUID();
  private readonly recorder = new AnswerRecorder();

  constructor(
    private readonly dispatcher: ShadowDispatcher,
    private readonly endpoint: Endpoint & { shadow: ShadowSettings },
    private readonly request: ChatRequest,
  ) {}

  /** The client's sink, watched (chat sinks only: only chat endpoints shadow). */
  watch<S extends Sink>(sink: S): S {
    return this.recorder.watch(sink as unknown as ChatSink) as unknown as S;
  }

  /** Whether the request was answered whole (a shadow follows): then its trace names the shadow's. */
  answered(outcome: AttemptOutcome): boolean {
    return outcome.answered && outcome.status === 200 && !outcome.error && this.recorder.answer() !== undefined;
  }

  /** After the client's trace is finished and queued. */
  launch(primary: Trace, policies: BudgetPolicy[], redact: Redactor): void {
    const answer = this.recorder.answer();
    if (!answer) return;
    setImmediate(() =>
      this.dispatcher.run({ traceId: this.id, endpoint: this.endpoint, request: this.request, primary, primaryAnswer: answer, policies, redact }),
    );
  }
}

export class ShadowDispatcher {
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly random: () => number;

  constructor(private readonly deps: ShadowDeps) {
    this.random = deps.random ?? Math.random;
  }

  /** A ticket when this request is to be shadowed (the endpoint's percent), else undefined. */
  sample(endpoint: Endpoint, request: ChatRequest | undefined): ShadowTicket | undefined {
    const shadow = endpoint.shadow;
    if (!shadow || !request || this.abort.signal.aborted) return undefined;
    if (this.random() * 100 >= shadow.percent) return undefined;
    return new ShadowTicket(this, endpoint as Endpoint & { shadow: ShadowSettings }, request);
  }

  run(call: Omit<Parameters<typeof callShadow>[0], 'budget' | 'signal'>): void {
    const key = call.endpoint.id;
    const busy = this.inFlight.get(key) ?? 0;
    if (busy >= call.endpoint.shadow.maxConcurrent || this.abort.signal.aborted) {
      this.deps.shipper.enqueue(skipped(call.traceId, call.primary, call.endpoint.shadow));
      return;
    }
    this.inFlight.set(key, busy + 1);
    const job = callShadow({ ...call, budget: this.deps.budget, signal: this.abort.signal })
      .then(({ trace, recorder }) => {
        this.deps.shipper.enqueue(trace);
        this.deps.telemetry?.export(trace, recorder, call.endpoint.logPayloads);
      })
      .catch((err: unknown) => {
        log.error('shadow: call failed unexpectedly', { endpoint: call.endpoint.name, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        this.deps.shipper.enqueue({ ...skipped(call.traceId, call.primary, call.endpoint.shadow), status: 500, errorCode: 'internal_error' });
      })
      .finally(() => {
        const left = (this.inFlight.get(key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(key, left);
        else this.inFlight.delete(key);
        this.running.delete(job);
      });
    this.running.add(job);
  }

  /** Shadow calls in flight right now (all endpoints). */
  active(): number {
    return this.running.size;
  }

  /** Shutdown: shadow calls still running get `timeoutMs`, then are cut (their traces say so). */
  async stop(timeoutMs = 2_000): Promise<void> {
    const all = Promise.allSettled([...this.running]);
    const timer = setTimeout(() => this.abort.abort(), timeoutMs);
    timer.unref();
    await all;
    clearTimeout(timer);
    this.abort.abort();
  }
}

/** The trace of a sampled shadow that was not sent (too many in flight, or shutting down). */
function skipped(id: string, primary: Trace, shadow: ShadowSettings): Trace {
  return {
    id,
    time: new Date().toISOString(),
    endpoint: primary.endpoint,
    kind: 'chat',
    user: primary.user,
    ingress: primary.ingress,
    stream: false,
    ...(primary.runId ? { runId: primary.runId } : {}),
    status: 503,
    errorCode: 'shadow_busy',
    provider: shadow.destination.provider,
    model: shadow.destination.model,
    attempts: [],
    latencyMs: 0,
    overheadMs: 0,
    shadowOf: primary.id,
  };
}
