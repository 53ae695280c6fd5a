// Cost of a call in USD, from the maintained price table of
// @pydantic/genai-prices, or from the destination's own override (self-hosted
// models, negotiated prices). Unknown models cost undefined, not zero, so a
// missing price is visible in traces instead of silently free.
import { calcPrice } from '@pydantic/genai-prices';
import type { Destination, ProviderId } from './contract';

// genai-prices names providers its own way.
const PRICE_PROVIDER: Partial<Record<ProviderId, string>> = {
  openai: 'openai',
  'azure-openai': 'azure',
  anthropic: 'anthropic',
  gemini: 'google',
  bedrock: 'aws',
  cohere: 'cohere',
  mistral: 'mistral',
};

export interface PriceTokens {
  promptTokens: number;
  completionTokens: number;
}

// Matching a model in the price table costs a few hundred microseconds, too
// much for every request: flat per-token rates are remembered per model for
// an hour (prices can change on a date). Tiered prices are computed each time.
type Rates = { inputPerMTok: number; outputPerMTok: number } | 'tiered' | 'unknown';
const RATES_TTL_MS = 3_600_000;
const rates = new Map<string, { value: Rates; until: number }>();

export function priceUsd(destination: Pick<Destination, 'provider' | 'model' | 'price'>, tokens: PriceTokens): number | undefined {
  const r = destination.price ?? ratesFor(destination.provider, destination.model);
  if (r === 'unknown') return undefined;
  if (r === 'tiered') return tablePrice(destination.provider, destination.model, tokens)?.total_price;
  return (tokens.promptTokens * r.inputPerMTok + tokens.completionTokens * r.outputPerMTok) / 1e6;
}

function ratesFor(provider: ProviderId, model: string): Rates {
  const key = `${provider}\u0000${model}`;
  const cached = rates.get(key);
  if (cached && cached.until > Date.now()) return cached.value;
  const result = tablePrice(provider, model, { promptTokens: 0, completionTokens: 0 });
  const input = result?.model_price.input_mtok;
  const output = result?.model_price.output_mtok;
  const value: Rates = !result
    ? 'unknown'
    : typeof input === 'number' && typeof output === 'number'
      ? { inputPerMTok: input, outputPerMTok: output }
      : 'tiered';
  rates.set(key, { value, until: Date.now() + RATES_TTL_MS });
  return value;
}

function tablePrice(provider: ProviderId, model: string, tokens: PriceTokens): ReturnType<typeof calcPrice> {
  const providerId = PRICE_PROVIDER[provider];
  const usage = { input_tokens: tokens.promptTokens, output_tokens: tokens.completionTokens };
  try {
    return (providerId ? calcPrice(usage, model, { providerId }) : null) ?? calcPrice(usage, model);
  } catch {
    return null;
  }
}
