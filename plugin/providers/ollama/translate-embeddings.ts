// OpenAI embeddings to Ollama /api/embed (string or array input in one call).
// Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types';
import type { ResponseContext, Target, UpstreamRequest } from '../contract';
import { invalidRequest, isRecord, malformedResponse } from '../shared/errors';
import { ollamaHeaders, ollamaUrl } from './build-endpoint';
import type { OllamaEmbedRequest } from './types';

export function buildOllamaEmbeddingsRequest(req: EmbeddingsRequest, target: Target): UpstreamRequest {
  const list = Array.isArray(req.input) ? req.input : [req.input];
  if (list.length === 0) throw invalidRequest('input must not be empty', 'input');
  if (list.some((item) => typeof item !== 'string')) throw invalidRequest('Ollama embeddings take text input only, not token arrays', 'input');
  const body: OllamaEmbedRequest = {
    model: target.model,
    input: req.input as string | string[],
    ...(req.dimensions !== undefined ? { dimensions: req.dimensions } : {}),
  };
  return { url: ollamaUrl(target, '/api/embed'), method: 'POST', headers: ollamaHeaders(target), body: JSON.stringify(body) };
}

export function parseOllamaEmbeddingsResponse(body: unknown, ctx: ResponseContext): EmbeddingsResponse {
  if (!isRecord(body) || !Array.isArray(body.embeddings)) throw malformedResponse('Ollama', 'no embeddings in the body');
  const tokens = typeof body.prompt_eval_count === 'number' ? body.prompt_eval_count : 0;
  return {
    object: 'list',
    data: body.embeddings.map((v, index) => {
      if (!Array.isArray(v)) throw malformedResponse('Ollama', 'an embedding is not an array');
      return { object: 'embedding', index, embedding: v as number[] };
    }),
    model: typeof body.model === 'string' ? body.model : ctx.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
