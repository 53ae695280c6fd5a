// OpenAI embeddings to Gemini embedContent (one input) / batchEmbedContents (many).
// Reference: https://ai.google.dev/api/embeddings
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types';
import type { ResponseContext, Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { geminiHeaders, geminiModelResource, geminiUrl } from './build-request';
import { invalidGeminiResponse } from './parse-response';
import type { GeminiBatchEmbedContentsRequest, GeminiEmbedContentRequest } from './types';

function textInputs(input: EmbeddingsRequest['input']): string[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw invalidRequest('input must not be empty', 'input');
  return list.map((item) => {
    if (typeof item !== 'string') throw invalidRequest('Gemini embeddings take text input only, not token arrays', 'input');
    return item;
  });
}

export function buildGeminiEmbeddingsRequest(req: EmbeddingsRequest, target: Target): UpstreamRequest {
  const inputs = textInputs(req.input);
  const model = geminiModelResource(target.model);
  const one = (text: string): GeminiEmbedContentRequest => ({
    model,
    content: { parts: [{ text }] },
    ...(req.dimensions !== undefined ? { outputDimensionality: req.dimensions } : {}),
  });
  // A single string goes to embedContent; an array (even of one) to the batch method.
  if (!Array.isArray(req.input)) {
    return { url: geminiUrl(target, 'embedContent'), method: 'POST', headers: geminiHeaders(target), body: JSON.stringify(one(inputs[0]!)) };
  }
  const body: GeminiBatchEmbedContentsRequest = { requests: inputs.map(one) };
  return { url: geminiUrl(target, 'batchEmbedContents'), method: 'POST', headers: geminiHeaders(target), body: JSON.stringify(body) };
}

function vectors(body: unknown): number[][] {
  if (typeof body !== 'object' || body === null) throw invalidGeminiResponse('not a JSON object');
  const value = body as { embedding?: { values?: unknown }; embeddings?: Array<{ values?: unknown } | null> };
  const list = value.embeddings ?? (value.embedding ? [value.embedding] : undefined);
  if (!Array.isArray(list)) throw invalidGeminiResponse('no embeddings');
  return list.map((e) => {
    if (!Array.isArray(e?.values)) throw invalidGeminiResponse('embedding without values');
    return e.values as number[];
  });
}

/**
 * Vectors are returned as floats: `parseResponse` does not see the request,
 * so `encoding_format: "base64"` is applied by the pipeline, for every provider.
 */
export function parseGeminiEmbeddingsResponse(body: unknown, ctx: ResponseContext): EmbeddingsResponse {
  return {
    object: 'list',
    data: vectors(body).map((values, index) => ({ object: 'embedding', index, embedding: values })),
    model: ctx.model,
    // The Gemini embedding API reports no token counts.
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
}
