// Embeddings through InvokeModel (`POST /model/{id}/invoke`): Amazon Titan
// Text Embeddings and Cohere Embed on Bedrock. Titan embeds one text per
// call and Cohere up to 96; the gateway splits larger requests by
// `bedrockEmbeddingsMaxInputs`.
// References: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
// https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
import type { EmbeddingsRequest, EmbeddingsResponse } from '../../openai/types';
import type { ResponseContext, Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { bedrockDescriptor } from './descriptor';
import { bedrockHeaders, bedrockModelUrl } from './build-endpoint';
import type { CohereBedrockEmbedRequest, TitanEmbedRequest } from './types';
import { validateBedrockEmbeddings } from './validate-response';

/** Inputs per call by model family (Cohere Embed on Bedrock: 96, model-parameters-embed; Titan: one). */
const MAX_INPUTS: Readonly<Record<string, number>> = bedrockDescriptor.capabilities.embeddings.maxInputsByFamily;

/** Matches plain ids, cross-region profiles (`us.cohere.embed-...`) and ARNs ending in the model id. */
function modelFamily(model: string): 'titan' | 'cohere' | undefined {
  const id = model.split('/').pop() ?? model;
  if (/(^|\.)amazon\.titan-embed/.test(id)) return 'titan';
  if (/(^|\.)cohere\.embed/.test(id)) return 'cohere';
  return undefined;
}

function textInputs(input: EmbeddingsRequest['input']): string[] {
  const list = Array.isArray(input) ? input : [input];
  if (list.length === 0) throw invalidRequest('input must not be empty', 'input');
  return list.map((item) => {
    if (typeof item !== 'string') throw invalidRequest('Bedrock embeddings take text input only, not token arrays', 'input');
    return item;
  });
}

export function bedrockEmbeddingsMaxInputs(target: Target): number | undefined {
  const family = modelFamily(target.model);
  return family ? MAX_INPUTS[family] : undefined;
}

export function buildBedrockEmbeddingsRequest(req: EmbeddingsRequest, target: Target): UpstreamRequest {
  const family = modelFamily(target.model);
  const inputs = textInputs(req.input);
  let body: TitanEmbedRequest | CohereBedrockEmbedRequest;
  if (family === 'titan') {
    if (inputs.length > 1) {
      throw invalidRequest('Amazon Titan embedding models embed one input per call', 'input');
    }
    body = { inputText: inputs[0]!, ...(req.dimensions !== undefined ? { dimensions: req.dimensions } : {}) };
  } else if (family === 'cohere') {
    if (req.dimensions !== undefined) throw invalidRequest('Cohere Embed on Bedrock does not take dimensions', 'dimensions');
    body = { texts: inputs, input_type: 'search_document', embedding_types: ['float'] };
  } else {
    throw invalidRequest(`Bedrock embeddings support amazon.titan-embed-* and cohere.embed-* models, not ${target.model}`, 'model');
  }
  return { url: bedrockModelUrl(target, 'invoke'), method: 'POST', headers: bedrockHeaders(target, 'application/json'), body: JSON.stringify(body) };
}

export function parseBedrockEmbeddingsResponse(body: unknown, ctx: ResponseContext): EmbeddingsResponse {
  const response = validateBedrockEmbeddings(body);
  const vectors = response.embedding ? [response.embedding] : Array.isArray(response.embeddings) ? response.embeddings : (response.embeddings?.float ?? []);
  // Cohere on Bedrock reports no token count.
  const promptTokens = response.inputTextTokenCount ?? 0;
  return {
    object: 'list',
    data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model: ctx.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
