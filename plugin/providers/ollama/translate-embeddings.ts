// OpenAI embeddings to Ollama /api/embed (string or array input in one call).
// Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types';
import type { ResponseContext, Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { ollamaHeaders, ollamaUrl } from './build-endpoint';
import { validateOllamaEmbeddings } from './validate-response';
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
  const response = validateOllamaEmbeddings(body);
  const tokens = response.prompt_eval_count ?? 0;
  return {
    object: 'list',
    data: response.embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: response.model ?? ctx.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
