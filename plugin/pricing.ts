// Cost of a call in USD, from the maintained price table of
// @pydantic/genai-prices, or from the destination's own override (self-hosted
// models, negotiated prices). Unknown models cost undefined, not zero, so a
// missing price is visible in traces instead of silently free.
//
// Prompt tokens read from a provider's cache and written to it are priced at
// their own rates (cache reads are a tenth of the input price at Anthropic,
// a quarter to a half at OpenAI and Gemini; Anthropic and Bedrock charge
// cache writes above the input price). Reasoning tokens are output tokens
// and priced as such. Anthropic's 1-hour cache writes are priced at the
// 5-minute write rate: the usage the gateway carries does not tell them apart.
import type * as GenaiPrices from '@pydantic/genai-prices';
import type { Destination, PriceOverride, ProviderId } from './contract';
import { mapDescriptors } from './providers/descriptors';

// The price table is ~50 ms of a data worker's ~180 ms module load, which a
// request sent the moment a plugin server starts waits for. So it loads on
// first use, or ahead of it: a spare worker loads it once its warm-up is
// done, and a started worker while its first provider call is out
// (loadPriceTableSoon), where the provider's own time hides it.
let table: typeof GenaiPrices | undefined;

function priceTable(): typeof GenaiPrices {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  table ??= require('@pydantic/genai-prices') as typeof GenaiPrices;
  return table;
}

export function loadPriceTable(): void {
  priceTable();
}

let loadingSoon: NodeJS.Timeout | undefined;

/** Loads the table (once) a moment from now: called as a provider call goes out, so it loads while the provider works. */
export function loadPriceTableSoon(): void {
  if (table || loadingSoon) return;
  loadingSoon = setTimeout(loadPriceTable, 2);
  loadingSoon.unref();
}

type PriceResult = ReturnType<typeof GenaiPrices.calcPrice>;

// genai-prices names providers its own way (each descriptor's priceTable).
const PRICE_PROVIDER: Partial<Record<ProviderId, string>> = mapDescriptors((d) => d.priceTable);

/** Token counts to price; cachedTokens and cacheWriteTokens are parts of promptTokens (the trace's TraceUsage fits). */
export interface PriceTokens {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  cacheWriteTokens?: number;
}

type PricedDestination = Pick<Destination, 'provider' | 'model' | 'price'>;

// Matching a model in the price table costs a few hundred microseconds, too
// much for every request: flat per-token rates are remembered per model for
// an hour (prices can change on a date). Tiered prices are computed each time.
type Rates = PriceOverride | 'tiered' | 'unknown';
const RATES_TTL_MS = 3_600_000;
const rates = new Map<string, { value: Rates; until: number }>();

export function priceUsd(destination: PricedDestination, tokens: PriceTokens): number | undefined {
  const r = destination.price ?? ratesFor(destination.provider, destination.model);
  if (r === 'unknown') return undefined;
  if (r === 'tiered') return roundUsd(tablePrice(destination.provider, destination.model, tokens)?.total_price);
  const cached = Math.min(tokens.cachedTokens ?? 0, tokens.promptTokens);
  const written = Math.min(tokens.cacheWriteTokens ?? 0, tokens.promptTokens - cached);
  const fresh = tokens.promptTokens - cached - written;
  return roundUsd(
    (fresh * r.inputPerMTok +
      cached * (r.cacheReadPerMTok ?? r.inputPerMTok) +
      written * (r.cacheWritePerMTok ?? r.inputPerMTok) +
      tokens.completionTokens * r.outputPerMTok) /
      1e6,
  );
}

/**
 * To the picodollar: per-token rates are decimal fractions that binary
 * floats cannot hold, so 0.00000135 came out as 0.0000013499999999999998 in
 * traces, headers and exports. A picodollar is far below any price's
 * precision and keeps every cost below $9,000 exact in a double.
 */
export function roundUsd<T extends number | undefined>(usd: T): T {
  return (usd === undefined ? usd : Math.round(usd * 1e12) / 1e12) as T;
}

/**
 * The most these tokens can cost, whatever the cache does: every prompt
 * token at the dearest prompt rate (a cache write where those cost more
 * than plain input, Anthropic's 1-hour writes included). What a budget
 * reserves before the call, so the actual charge never exceeds it.
 */
export function worstCasePriceUsd(destination: PricedDestination, promptTokens: number, completionTokens: number): number | undefined {
  const r = destination.price ?? ratesFor(destination.provider, destination.model);
  if (r === 'unknown') return undefined;
  if (r === 'tiered') {
    const prices = (
      [
        { input_tokens: promptTokens, output_tokens: completionTokens },
        { input_tokens: promptTokens, cache_write_tokens: promptTokens, output_tokens: completionTokens },
        { input_tokens: promptTokens, cache_write_tokens: promptTokens, cache_write_1h_tokens: promptTokens, output_tokens: completionTokens },
      ] as Array<Record<string, number>>
    ).map((usage) => lookup(destination.provider, destination.model, usage)?.total_price ?? 0);
    return Math.max(...prices);
  }
  const promptRate = Math.max(r.inputPerMTok, r.cacheWritePerMTok ?? 0, r.cacheWrite1hPerMTok ?? 0);
  return (promptTokens * promptRate + completionTokens * r.outputPerMTok) / 1e6;
}

function ratesFor(provider: ProviderId, model: string): Rates {
  const key = `${provider}\u0000${model}`;
  const cached = rates.get(key);
  if (cached && cached.until > Date.now()) return cached.value;
  const result = tablePrice(provider, model, { promptTokens: 0, completionTokens: 0 });
  const value = !result ? 'unknown' : flatRates(result.model_price);
  rates.set(key, { value, until: Date.now() + RATES_TTL_MS });
  return value;
}

/** The model's per-token rates when none of them is tiered. */
function flatRates(price: Record<string, unknown>): Rates {
  const rate = (k: string): number | undefined | 'tiered' => (price[k] === undefined ? undefined : typeof price[k] === 'number' ? price[k] : 'tiered');
  const input = rate('input_mtok');
  const output = rate('output_mtok');
  const read = rate('cache_read_mtok');
  const write = rate('cache_write_mtok');
  const write1h = rate('cache_write_1h_mtok');
  if (typeof input !== 'number' || typeof output !== 'number' || [read, write, write1h].includes('tiered')) return 'tiered';
  return {
    inputPerMTok: input,
    outputPerMTok: output,
    ...(typeof read === 'number' ? { cacheReadPerMTok: read } : {}),
    ...(typeof write === 'number' ? { cacheWritePerMTok: write } : {}),
    ...(typeof write1h === 'number' ? { cacheWrite1hPerMTok: write1h } : {}),
  };
}

function tablePrice(provider: ProviderId, model: string, tokens: PriceTokens): PriceResult {
  return lookup(provider, model, {
    input_tokens: tokens.promptTokens,
    output_tokens: tokens.completionTokens,
    ...(tokens.cachedTokens ? { cache_read_tokens: tokens.cachedTokens } : {}),
    ...(tokens.cacheWriteTokens ? { cache_write_tokens: tokens.cacheWriteTokens } : {}),
  });
}

function lookup(provider: ProviderId, model: string, usage: Record<string, number>): PriceResult {
  const providerId = PRICE_PROVIDER[provider];
  const { calcPrice } = priceTable();
  try {
    return (providerId ? calcPrice(usage, model, { providerId }) : null) ?? calcPrice(usage, model);
  } catch {
    return null;
  }
}
