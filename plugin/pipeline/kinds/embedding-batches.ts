// Providers cap the inputs of one embeddings call (Titan on Bedrock: 1,
// Cohere: 96). A larger request is split into calls the provider takes and
// the answers are merged back in order, so clients never need to know a
// provider's cap (OpenAI's own limit is 2,048 inputs).
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types';

/** The request's inputs as a list: one string, one token array, or a list of either. */
function inputsOf(input: EmbeddingsRequest['input']): Array<string | number[]> {
  if (typeof input === 'string') return [input];
  if (input.length === 0 || typeof input[0] === 'number') return [input as number[]];
  return input as Array<string | number[]>;
}

/** The request itself when it fits `max` inputs (or there is no cap), else one request per batch. */
export function splitEmbeddingsRequest(req: EmbeddingsRequest, max: number | undefined): EmbeddingsRequest[] {
  const inputs = inputsOf(req.input);
  if (max === undefined || inputs.length <= max) return [req];
  const batches: EmbeddingsRequest[] = [];
  for (let i = 0; i < inputs.length; i += max) {
    batches.push({ ...req, input: inputs.slice(i, i + max) as string[] | number[][] });
  }
  return batches;
}

/** One answer from the batches' answers: data in input order with running indexes, usage summed. */
export function mergeEmbeddingsResponses(parts: EmbeddingsResponse[]): EmbeddingsResponse {
  if (parts.length === 1) return parts[0]!;
  const data: EmbeddingsResponse['data'] = [];
  let promptTokens = 0;
  let totalTokens = 0;
  for (const part of parts) {
    const offset = data.length;
    for (const d of [...part.data].sort((a, b) => a.index - b.index)) data.push({ ...d, index: offset + d.index });
    promptTokens += part.usage.prompt_tokens;
    totalTokens += part.usage.total_tokens;
  }
  return { object: 'list', data, model: parts[0]!.model, usage: { prompt_tokens: promptTokens, total_tokens: totalTokens } };
}
