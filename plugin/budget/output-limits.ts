// The most a model can write when a request sets no max_tokens: what a
// reservation assumes for the output. Each maker's families and limits live
// in its provider descriptor (`outputLimits`); a model is looked up across
// all of them, in registry order, so Bedrock's, Azure's or a /v1 server's
// copy of a model gets its maker's limit. Unknown models get
// DEFAULT_MAX_OUTPUT_TOKENS. Clients that set `max_tokens` /
// `max_completion_tokens` reserve exactly that instead.
import { DESCRIPTORS } from '../providers/descriptors';

const MAX_OUTPUT = Object.values(DESCRIPTORS).flatMap((d) => d.outputLimits ?? []);

export const DEFAULT_MAX_OUTPUT_TOKENS = 16_384;

export function defaultMaxOutputTokens(model: string): number {
  const name = model.toLowerCase();
  return MAX_OUTPUT.find((limit) => limit.models.test(name))?.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
}
