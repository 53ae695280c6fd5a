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

export function priceUsd(destination: Pick<Destination, 'provider' | 'model' | 'price'>, tokens: PriceTokens): number | undefined {
  if (destination.price) {
    return (tokens.promptTokens * destination.price.inputPerMTok + tokens.completionTokens * destination.price.outputPerMTok) / 1e6;
  }
  const providerId = PRICE_PROVIDER[destination.provider];
  try {
    const usage = { input_tokens: tokens.promptTokens, output_tokens: tokens.completionTokens };
    const result = calcPrice(usage, destination.model, providerId ? { providerId } : undefined) ?? calcPrice(usage, destination.model);
    return result ? result.total_price : undefined;
  } catch {
    return undefined;
  }
}
