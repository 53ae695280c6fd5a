// OpenAI's Embeddings API.
import type { EmbeddingsRequest } from '../../openai/types';
import { validateEmbeddings } from '../../openai/validate';
import type { EmbeddingsSink, Ingress } from '../contract';
import { sendJson } from '../send-json';

export const openAiEmbeddingsIngress: Ingress<EmbeddingsRequest, EmbeddingsSink> = {
  name: 'openai',
  parse(body) {
    const v = validateEmbeddings(body);
    return v.ok ? v : { ok: false, message: v.error.message, param: v.error.param };
  },
  sendError: sendJson,
  sink: (res) => ({
    embeddings: (answer, headers) => sendJson(res, 200, answer, headers),
    error: (status, error, headers) => sendJson(res, status, error, headers),
  }),
};
