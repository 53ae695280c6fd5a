// Prometheus metrics of the gateway's traffic, counted from the traces the
// data planes send (each counted once: a replayed batch adds nothing). Per
// control-plane replica, like any Prometheus counter: sum them across
// replicas. Served at GET /metrics.
import { Counter, Histogram, Registry } from 'prom-client';
import type { Trace } from '../../plugin/contract';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** The 429 codes of the ledger (docs/budgets.md, "Refusals"); a bounded label set. */
const REFUSAL_CODES = new Set(['budget_exceeded', 'rate_limit_exceeded', 'run_budget_exceeded', 'run_call_limit_exceeded', 'run_expired', 'loop_detected']);
const OVERHEAD_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

export class MetricsService {
  readonly registry = new Registry();
  private readonly requests = this.counter(
    'llm_gateway_requests_total',
    'Gateway requests by endpoint, serving provider ("none" if no provider served it), the API the client spoke (openai, anthropic, responses) and final status.',
    ['api', 'status'],
  );
  private readonly attempts = this.counter(
    'llm_gateway_provider_attempts_total',
    'Provider calls, fallbacks and retries included, by provider, model and status ("error" without one).',
    ['model', 'status'],
  );
  private readonly tokens = this.counter('llm_gateway_tokens_total', 'Tokens by endpoint, provider and direction (prompt or completion).', ['direction']);
  private readonly cost = this.counter('llm_gateway_cost_usd_total', 'Cost in USD by endpoint and provider.', []);
  private readonly latency = this.histogram(
    'llm_gateway_request_duration_seconds',
    'Whole request time (streams: until the last byte) by endpoint and provider.',
    LATENCY_BUCKETS,
  );
  private readonly ttft = this.histogram('llm_gateway_time_to_first_token_seconds', 'Time to the first streamed content, streams only.', LATENCY_BUCKETS);
  private readonly overhead = this.histogram(
    'llm_gateway_overhead_seconds',
    'Time the gateway itself added to a request (providers and Retry-After waits excluded).',
    OVERHEAD_BUCKETS,
  );

  private readonly refusals = new Counter({
    name: 'llm_gateway_refusals_total',
    help: 'Requests refused by a budget, rate limit, run limit or the loop breaker, by endpoint and error code (e.g. loop_detected, run_call_limit_exceeded).',
    labelNames: ['endpoint', 'code'],
    registers: [this.registry],
  });
  private readonly shadowCalls = this.counter(
    'llm_gateway_shadow_calls_total',
    'Shadow calls by endpoint, shadow provider and model, and outcome: agree (exact match), differ, failed, skipped (too many in flight).',
    ['model', 'outcome'],
  );
  private readonly shadowCost = this.counter('llm_gateway_shadow_cost_usd_total', 'Cost in USD of shadow calls by endpoint and shadow provider.', []);

  private readonly rejected = new Counter({
    name: 'llm_gateway_traces_rejected_total',
    help: 'Traces refused at ingest because they do not fit the Trace schema (the data plane dead-letters them).',
    registers: [this.registry],
  });

  countRejectedTraces(n: number): void {
    if (n > 0) this.rejected.inc(n);
  }

  /** Counts traces that were stored for the first time. */
  observe(traces: Trace[]): void {
    // A batch's increments of one label set are summed first, so prom-client
    // hashes each label set once per batch instead of once per trace.
    const sums = new CounterSums();
    for (const t of traces) {
      if (t.shadowOf) {
        this.observeShadow(t, sums);
        continue;
      }
      const { endpoint } = t;
      const provider = t.provider ?? 'none';
      if (t.status === 429 && t.errorCode && REFUSAL_CODES.has(t.errorCode)) sums.add(this.refusals, { endpoint, code: t.errorCode });
      sums.add(this.requests, { endpoint, provider, api: t.ingress, status: String(t.status) });
      for (const a of t.attempts)
        sums.add(this.attempts, { endpoint, provider: a.provider, model: a.model, status: a.status === null ? 'error' : String(a.status) });
      if (t.usage) {
        sums.add(this.tokens, { endpoint, provider, direction: 'prompt' }, t.usage.promptTokens);
        sums.add(this.tokens, { endpoint, provider, direction: 'completion' }, t.usage.completionTokens);
      }
      if (t.costUsd) sums.add(this.cost, { endpoint, provider }, t.costUsd);
      const labels = { endpoint, provider };
      this.latency.observe(labels, t.latencyMs / 1000);
      if (t.ttftMs !== undefined) this.ttft.observe(labels, t.ttftMs / 1000);
      this.overhead.observe(labels, t.overheadMs / 1000);
    }
    sums.flush();
  }

  /** Shadow calls are not client requests: they count only here. */
  private observeShadow(t: Trace, sums: CounterSums): void {
    const outcome = t.comparison ? (t.comparison.exactMatch ? 'agree' : 'differ') : t.errorCode === 'shadow_busy' ? 'skipped' : 'failed';
    const provider = t.provider ?? 'none';
    sums.add(this.shadowCalls, { endpoint: t.endpoint, provider, model: t.model ?? 'none', outcome });
    if (t.costUsd) sums.add(this.shadowCost, { endpoint: t.endpoint, provider }, t.costUsd);
  }

  /** Every metric is labelled by endpoint and provider, plus `extra`. */
  private counter(name: string, help: string, extra: string[]) {
    return new Counter({ name, help, labelNames: ['endpoint', 'provider', ...extra], registers: [this.registry] });
  }

  private histogram(name: string, help: string, buckets: number[]) {
    return new Histogram({ name, help, labelNames: ['endpoint', 'provider'] as const, buckets, registers: [this.registry] });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

interface Sum {
  labels: Record<string, string>;
  n: number;
}

/**
 * Increments summed per counter and label set, then applied once each. The
 * key is the label values in the order given: each call site of a counter
 * names its labels in one order.
 */
class CounterSums {
  private readonly sums = new Map<Counter, Map<string, Sum>>();

  add(counter: Counter, labels: Record<string, string>, n = 1): void {
    let perCounter = this.sums.get(counter);
    if (!perCounter) this.sums.set(counter, (perCounter = new Map<string, Sum>()));
    const key = Object.values(labels).join('\u0000');
    const sum = perCounter.get(key);
    if (sum) sum.n += n;
    else perCounter.set(key, { labels, n });
  }

  flush(): void {
    for (const [counter, perCounter] of this.sums) for (const { labels, n } of perCounter.values()) counter.inc(labels, n);
  }
}
