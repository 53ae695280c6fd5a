// OpenAI embeddings to Cohere v2 embed. OpenAI has no input_type; documents
// (search_document) is the neutral choice for stored vectors.
// Reference: https://docs.cohere.com/reference/embed
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types';
import type { ResponseContext, Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { cohereDescriptor } from './descriptor';
import { cohereHeaders, cohereUrl } from './build-endpoint';
import { validateCohereEmbeddings } from './validate-response';
import type { CohereEmbedRequest } from './types';

/** The most texts one embed call takes (Cohere's embed reference: 96). */
export const COHERE_MAX_TEXTS = cohereDescriptor.capabilities.embeddings.maxInputs;

export function buildCohereEmbeddingsRequest(req: EmbeddingsRequest, target: Target): UpstreamRequest {
  const list = Array.isArray(req.input) ? req.input : [req.input];
  if (list.length === 0) throw invalidRequest('input must not be empty', 'input');
  if (list.some((item) => typeof item !== 'string')) throw invalidRequest('Cohere embeddings take text input only, not token arrays', 'input');
  const body: CohereEmbedRequest = {
    model: target.model,
    texts: list as string[],
    input_type: 'search_document',
    embedding_types: ['float'],
    ...(req.dimensions !== undefined ? { output_dimension: req.dimensions } : {}),
  };
  return { url: cohereUrl(target, '/v2/embed'), method: 'POST', headers: cohereHeaders(target), body: JSON.stringify(body) };
}

export function parseCohereEmbeddingsResponse(body: unknown, ctx: ResponseContext): EmbeddingsResponse {
  const response = validateCohereEmbeddings(body);
  const tokens = response.meta?.billed_units?.input_tokens ?? 0;
  return {
    object: 'list',
    data: response.embeddings.float.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: ctx.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
