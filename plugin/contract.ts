// The data-plane contract: what the control plane hands the plugin (the
// configuration snapshot) and what the plugin hands back (traces). Both sides
// import these types; openapi.yaml describes the same shapes for HTTP.

export type ProviderId = 'openai' | 'azure-openai' | 'openai-compatible' | 'anthropic' | 'gemini' | 'bedrock' | 'cohere' | 'ollama' | 'mistral';

export type EndpointKind = 'chat' | 'embeddings';

/** Provider credentials, decrypted. Which fields are set depends on the provider. */
export interface Credentials {
  apiKey?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  resource?: string;
}

/** Provider-specific options of one destination. */
export interface DestinationOptions {
  baseUrl?: string;
  apiVersion?: string;
  deployment?: string;
  region?: string;
  /** Extra headers sent to the provider (never credentials: those come from the secret). */
  headers?: Record<string, string>;
}

/** USD per million tokens; overrides the maintained price table for this destination. */
export interface PriceOverride {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Prompt tokens read from the provider's cache (default: inputPerMTok). */
  cacheReadPerMTok?: number;
  /** Prompt tokens written to the provider's cache (default: inputPerMTok). */
  cacheWritePerMTok?: number;
  /** Anthropic's 1-hour cache writes; only reservations use it (see plugin/pricing.ts). */
  cacheWrite1hPerMTok?: number;
}

export interface Destination {
  /** Stable id inside the endpoint (used in traces, cooldown and stickiness). */
  id: string;
  provider: ProviderId;
  model: string;
  credentials: Credentials;
  /** Hosts besides the provider's own the secret's credentials may be sent to (the secret's `allowedHosts`). */
  credentialHosts?: string[];
  options: DestinationOptions;
  /** Integer 0..100; weights of an endpoint's destinations sum to 100. */
  weight: number;
  timeoutMs: number;
  price?: PriceOverride;
}

/** What makes an attempt fall back to the next destination. */
export type FallbackTrigger = 'timeout' | 'connection' | '429' | '5xx' | '4xx';

export interface FallbackPolicy {
  /** Ordered destination ids tried after the weighted pick fails. */
  chain: string[];
  maxAttempts: number;
  triggers: FallbackTrigger[];
}

export interface Stickiness {
  by: 'user' | 'header';
  header?: string;
}

export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** One window for the whole endpoint (default), one per user, or one per agent run (requests without a run are not limited). */
  per?: 'endpoint' | 'user' | 'run';
}

/** How a request's agent run is known (docs/budgets.md, "Runs"). */
export interface RunSettings {
  /** The request header that carries the run id (e.g. x-agent-run-id). */
  header?: string;
  /** Without that header, the W3C trace id of the request's traceparent is its run (default true). */
  traceparent: boolean;
}

/** Refuses a run that repeats itself or calls too fast (429 loop_detected); both windows slide. */
export interface LoopBreaker {
  /** The same request (messages and tools) at most this many times per run within `repeatWindowSeconds`. */
  maxRepeats?: number;
  repeatWindowSeconds: number;
  /** At most this many calls per run within `callWindowSeconds`. */
  maxCalls?: number;
  callWindowSeconds: number;
}

/** A share of the endpoint's answered requests also sent to a candidate destination, off the client's path. */
export interface ShadowSettings {
  destination: Destination;
  /** 0..100: the share of requests shadowed. */
  percent: number;
  /** Shadow calls draw on the request's budgets and rate limits (default false: they are free of them). */
  countBudgets: boolean;
  /** Shadow calls in flight per data plane and endpoint; beyond it a sampled shadow is skipped (and traced). */
  maxConcurrent: number;
}

export interface Endpoint {
  id: string;
  name: string;
  kind: EndpointKind;
  version: number;
  destinations: Destination[];
  stickiness?: Stickiness;
  fallback: FallbackPolicy;
  rateLimits?: RateLimits;
  /** Store request/response payloads in traces (size-capped). */
  logPayloads: boolean;
  runs?: RunSettings;
  loopBreaker?: LoopBreaker;
  shadow?: ShadowSettings;
}

/** `calls`: the number of model calls (requests admitted), whatever they cost. */
export type BudgetUnit = 'usd' | 'tokens' | 'calls';
export type WindowUnit = 'minutes' | 'hours' | 'days' | 'weeks' | 'months';

export type BudgetAction = 'reject' | 'alert';

export interface BudgetPolicy {
  id: string;
  name: string;
  unit: BudgetUnit;
  limit: number;
  window: { unit: WindowUnit; size: number };
  action: BudgetAction;
  /** For run scopes, `window` is the run's lifetime, counted from its first request. */
  scope: { type: 'global' } | { type: 'endpoint'; endpoint: string } | { type: 'user'; user?: string } | { type: 'run'; endpoint?: string };
  failOpen: boolean;
  version: number;
}

/** OTLP protocols the data plane can export with (OTLP/HTTP; gRPC is not offered). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Where data planes send OpenTelemetry spans of every request (one span per request, one per attempt). */
export interface TelemetryExporter {
  id: string;
  name: string;
  /** The OTLP/HTTP traces URL, e.g. http://mlflow:5000/v1/traces. */
  url: string;
  protocol: OtlpProtocol;
  /** Sent with every export; secret ones are decrypted only here, never shown by the admin API. */
  headers: Record<string, string>;
  /** Share of requests exported (0..1) when the caller sent no sampling decision; a caller's traceparent flag wins. */
  samplingRatio: number;
  /** Message content as span events, for endpoints that log payloads. */
  content: boolean;
  version: number;
}

/** GET /api/v1/dataplane/snapshot */
export interface ConfigSnapshot {
  /** Increases on every change of anything in the snapshot. */
  version: number;
  generatedAt: string;
  endpoints: Endpoint[];
  budgets: BudgetPolicy[];
  /** Absent from control planes that predate exporters. */
  exporters?: TelemetryExporter[];
}

export interface TraceAttempt {
  destinationId: string;
  provider: ProviderId;
  model: string;
  status: number | null;
  /** When the attempt started, in ms after the request's start (trace `time`). */
  startOffsetMs?: number;
  latencyMs: number;
  error?: { type: string; message: string };
}

export interface TraceUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Of promptTokens: read from the provider's prompt cache (priced at its cache-read rate). */
  cachedTokens?: number;
  /** Of promptTokens: written to the provider's prompt cache (Anthropic cache creation). */
  cacheWriteTokens?: number;
  /** Of completionTokens: the model's reasoning (thinking) tokens. */
  reasoningTokens?: number;
}

/** The client API a request came in through. */
export type TraceIngress = 'openai' | 'anthropic' | 'responses';

/** POST /api/v1/dataplane/traces (batched, idempotent by id) */
export interface Trace {
  id: string;
  time: string;
  endpoint: string;
  kind: EndpointKind;
  user: string;
  ingress: TraceIngress;
  stream: boolean;
  /** The agent run the request belongs to (run-scoped budgets and limits). */
  runId?: string;
  status: number;
  errorCode?: string;
  provider?: ProviderId;
  model?: string;
  attempts: TraceAttempt[];
  usage?: TraceUsage;
  costUsd?: number;
  latencyMs: number;
  overheadMs: number;
  ttftMs?: number;
  traceparent?: string;
  budget?: { reservedUsd: number; reservedTokens: number; chargedUsd: number; chargedTokens: number };
  /** On an answered request that was shadowed: the id of the shadow call's trace. */
  shadowTraceId?: string;
  /** On a shadow call's trace: the trace id of the request it shadowed (shadow traces are not client requests). */
  shadowOf?: string;
  /** On a shadow call's trace: both answers side by side. */
  comparison?: ShadowComparison;
  request?: string;
  response?: string;
}

/** One answer of a shadowed pair. */
export interface ShadowSide {
  provider: ProviderId;
  model: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  costUsd?: number;
  finishReason: string | null;
}

export interface ShadowComparison {
  primary: ShadowSide;
  shadow: ShadowSide;
  /** Same text (whitespace-trimmed) and same tool calls. */
  exactMatch: boolean;
  /** Same tool calls: names and parsed arguments, in any order (true when neither called a tool). */
  sameToolCalls: boolean;
  /** Either side called a tool (the pairs where sameToolCalls says something). */
  toolCalls: boolean;
  /** 0..1, cosine of word counts: a cheap measure of how alike the texts are. */
  textSimilarity: number;
}

/** POST /api/v1/dataplane/telemetry: one data plane's OpenTelemetry export counters, cumulative since it started. */
export interface TelemetryReport {
  dataplaneId: string;
  exporters: TelemetryExporterCounts[];
}

export interface TelemetryExporterCounts {
  /** The exporter's id, or "env" for the one configured by OTEL_EXPORTER_OTLP_* variables. */
  exporter: string;
  name: string;
  /** Spans the backend accepted. */
  exported: number;
  /** Spans lost: queue full (backend slow or down) or export failed. */
  dropped: number;
}

// The budget ledger API between data planes and the control plane
// (POST /api/v1/dataplane/budget/{reserve,settle,renew}; see docs/budgets.md).
// Amounts are integers in the policy's ledger unit: micro-USD for USD
// budgets, tokens for token budgets and tokens-per-minute limits, requests
// for requests-per-minute limits.

export type LedgerUnit = 'usd' | 'tokens' | 'requests' | 'calls';
/** USD amounts are kept in the ledger as integer micro-dollars (float sums drift). */
export const MICRO_USD = 1_000_000;

export type RateLimitKind = 'rpm' | 'tpm';
/** Ledger id of an endpoint rate limit (budget policies use their own id). */
export type RateLimitPolicyId = `ratelimit:${string}:${RateLimitKind}`;

/** The one way both sides name an endpoint's rate-limit window in the ledger. */
export function rateLimitPolicyId(endpointId: string, kind: RateLimitKind): RateLimitPolicyId {
  return `ratelimit:${endpointId}:${kind}`;
}

export function rateLimitName(endpointName: string, kind: RateLimitKind): string {
  return `${endpointName} ${kind === 'rpm' ? 'requests' : 'tokens'} per minute`;
}

export type LoopRule = 'repeats' | 'calls';
/** Ledger id of an endpoint's loop-breaker window (a sliding log per run, or per run and request). */
export type LoopPolicyId = `loop:${string}:${LoopRule}`;

export function loopPolicyId(endpointId: string, rule: LoopRule): LoopPolicyId {
  return `loop:${endpointId}:${rule}`;
}

export function loopRuleName(endpointName: string, rule: LoopRule): string {
  return `${endpointName} loop breaker (${rule === 'repeats' ? 'repeated requests' : 'calls per window'})`;
}

export interface LedgerReserveItem {
  policyId: string;
  /** "", the user id (per-user budgets and rate limits), the run id (run scopes), or run id + "#" + request hash (loop repeats). */
  subject: string;
  amount: number;
  /** Ask for a local slice of the window (granted only while the window has plenty left). */
  slice?: boolean;
}

export interface LedgerGrant {
  policyId: string;
  subject: string;
  leaseId: string;
  /** `count`: an entry in a sliding log (loop breaker), final at once: nothing to settle or give back. */
  kind: 'slice' | 'reservation' | 'count';
  granted: number;
  windowStart: string;
  windowEnd: string;
  /** The lease lapses this long after the request was answered unless renewed. */
  ttlMs: number;
  /**
   * What the window can still admit right after this grant: limit - committed,
   * this grant counted in full (ledger units, not below 0). Absent from control
   * planes older than this field; loop-breaker entries never carry it.
   */
  remaining?: number;
}

export interface LedgerRejection {
  policyId: string;
  subject: string;
  limit: number;
  /** limit - committed, not below 0 (ledger units). */
  available: number;
  /** When the window closes (run windows: the run's end; sliding logs: when the oldest counted call leaves it). */
  windowEnd: string;
  /** `expired`: the run's window closed (its lifetime is over); otherwise the window is full. */
  reason?: 'exhausted' | 'expired';
}

export type LedgerReserveResult = { admitted: true; grants: LedgerGrant[]; unknown: string[] } | { admitted: false; rejected: LedgerRejection };

/** Usage reported against a lease (slice or reservation); `release` gives the rest back. */
export interface LedgerLeaseUse {
  leaseId: string;
  policyId: string;
  subject: string;
  windowStart: string;
  used: number;
  usedUsd: number;
  usedTokens: number;
  release: boolean;
}

/** Spend charged without a lease (alert policies). */
export interface LedgerCharge {
  policyId: string;
  subject: string;
  amount: number;
  usd: number;
  tokens: number;
  /** When the request was admitted (ISO): its spend belongs to that window, however late it settles. */
  at?: string;
}
