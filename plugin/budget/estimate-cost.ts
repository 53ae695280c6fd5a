// The most a request can cost, decided before the provider call: prompt
// tokens counted with the o200k tokenizer (exact for current OpenAI models;
// for other families an estimate, so it gets PROMPT_MARGIN on top) plus the
// output limit, priced for the most expensive destination the request could
// land on (fallbacks included: only one attempt can succeed and be billed).
// Prompt tokens are reserved at the dearest prompt rate (a cache write costs
// more than plain input at Anthropic and Bedrock), and charged afterwards at
// the rate each was actually billed at (cache reads far below input), so the
// charge never exceeds the reservation.
import type { Destination, Endpoint, ProviderId, TraceUsage } from '../contract';
import type { ChatRequest, EmbeddingsRequest } from '../openai/types';
import { priceUsd, worstCasePriceUsd, type PriceTokens } from '../pricing';
import { countTokens, estimatePromptTokens } from '../tokens/count';
import { defaultMaxOutputTokens } from './output-limits';

/** Providers whose models tokenize like o200k (exact count, no margin). */
const O200K_PROVIDERS = new Set<ProviderId>(['openai', 'azure-openai']);
/** Other families' tokenizers can count up to ~20% more than o200k; 25% covers them. */
export const PROMPT_MARGIN = 1.25;
/**
 * USD per million tokens when a destination has no known price (no entry in
 * the price table and no override): as much as the dearest mainstream models
 * cost, so an unpriced model can never spend more than its budget says.
 * Set a price override on the destination to charge its real price.
 */
export const FALLBACK_PRICE = { inputPerMTok: 15, outputPerMTok: 75 };

export interface CostEstimate {
  /** Prompt tokens (with margin where the tokenizer is not the model's). */
  promptTokens: number;
  maxOutputTokens: number;
  /** promptTokens + maxOutputTokens, worst destination. */
  tokens: number;
  /** Worst destination's price of `tokens`. */
  usd: number;
  /** Dearest prompt and dearest output token among the destinations, for telling a refused client what would fit. */
  promptUsd: number;
  outputUsdPerToken: number;
}

export function estimateChatCost(endpoint: Endpoint, request: ChatRequest): CostEstimate {
  const counted = estimatePromptTokens(request);
  const choices = Math.max(1, request.n ?? 1);
  const requested = request.max_completion_tokens ?? request.max_tokens;
  return worstCase(endpoint.destinations, (d) => ({
    prompt: promptFor(d, counted),
    output: (requested ?? defaultMaxOutputTokens(d.model)) * choices,
  }));
}

export function estimateEmbeddingsCost(endpoint: Endpoint, request: EmbeddingsRequest): CostEstimate {
  const counted = embeddingsTokens(request.input);
  return worstCase(endpoint.destinations, (d) => ({ prompt: promptFor(d, counted), output: 0 }));
}

/** What a finished call is charged: the trace's price, or the fallback price for an unpriced model. */
export function chargedUsd(destination: Destination | undefined, usage: PriceTokens | undefined, costUsd: number | undefined): number {
  if (!usage) return 0;
  if (costUsd !== undefined) return costUsd;
  const d = destination ?? { provider: 'openai-compatible' as const, model: '' };
  return priceUsd(d, usage) ?? priceUsd({ ...d, price: FALLBACK_PRICE }, usage)!;
}

/** What a finished call is charged, in USD and in tokens (nothing for a call without usage: it failed). */
export function chargedAmounts(
  destination: Destination | undefined,
  usage: TraceUsage | undefined,
  costUsd: number | undefined,
): { usd: number; tokens: number } {
  return { usd: chargedUsd(destination, usage, costUsd), tokens: usage?.totalTokens ?? 0 };
}

function worstCase(destinations: Destination[], tokensOf: (d: Destination) => { prompt: number; output: number }): CostEstimate {
  let worst: CostEstimate = { promptTokens: 0, maxOutputTokens: 0, tokens: 0, usd: 0, promptUsd: 0, outputUsdPerToken: 0 };
  for (const d of destinations) {
    const { prompt, output } = tokensOf(d);
    const usd = priceOrFallback(d, prompt, output);
    worst = {
      promptTokens: Math.max(worst.promptTokens, prompt),
      maxOutputTokens: Math.max(worst.maxOutputTokens, output),
      tokens: Math.max(worst.tokens, prompt + output),
      usd: Math.max(worst.usd, usd),
      promptUsd: Math.max(worst.promptUsd, priceOrFallback(d, prompt, 0)),
      outputUsdPerToken: Math.max(worst.outputUsdPerToken, priceOrFallback(d, 0, 1_000_000) / 1_000_000),
    };
  }
  return worst;
}

/**
 * The largest output limit (max_tokens) with which the request would fit in
 * `available` ledger units now; 0 when even its prompt does not fit.
 * Conservative: the dearest prompt with the dearest output rate.
 */
export function outputTokensThatFit(estimate: CostEstimate, unit: 'usd' | 'tokens', available: number, microUsd: number): number {
  if (unit === 'tokens') return Math.max(0, Math.floor(available - estimate.promptTokens));
  if (estimate.outputUsdPerToken <= 0) return 0;
  return Math.max(0, Math.floor((available / microUsd - estimate.promptUsd) / estimate.outputUsdPerToken));
}

function promptFor(d: Destination, counted: number): number {
  return O200K_PROVIDERS.has(d.provider) ? counted : Math.ceil(counted * PROMPT_MARGIN);
}

/** The most `promptTokens` + `completionTokens` can cost on `d` (see worstCasePriceUsd), or at the fallback price. */
function priceOrFallback(d: Pick<Destination, 'provider' | 'model' | 'price'>, promptTokens: number, completionTokens: number): number {
  return worstCasePriceUsd(d, promptTokens, completionTokens) ?? worstCasePriceUsd({ ...d, price: FALLBACK_PRICE }, promptTokens, completionTokens)!;
}

function embeddingsTokens(input: EmbeddingsRequest['input']): number {
  if (typeof input === 'string') return countTokens(input);
  let total = 0;
  for (const item of input) {
    if (typeof item === 'string') total += countTokens(item);
    else if (typeof item === 'number') total += 1;
    else total += item.length;
  }
  return total;
}
