// The parts of a Converse response the translation reads, as a schema.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
import { compileResponseSchema } from '../shared/compile-response-schema';
import { arrayOf, count, num, obj, str } from '../shared/schema-parts';
import type { BedrockConverseResponse, BedrockEmbeddingsResponse } from './types';

const block = obj({
  text: str,
  reasoningContent: obj({ reasoningText: obj({ text: str, signature: str }), redactedContent: str }),
  toolUse: obj({ toolUseId: str, name: str }, ['toolUseId', 'name']),
});

export const validateBedrockResponse = compileResponseSchema<BedrockConverseResponse>(
  'Bedrock',
  obj(
    {
      output: obj({ message: obj({ content: arrayOf(block) }, ['content']) }, ['message']),
      stopReason: str,
      usage: obj({ inputTokens: count, outputTokens: count, totalTokens: count, cacheReadInputTokens: count, cacheWriteInputTokens: count }),
    },
    ['output'],
  ),
);

/**
 * InvokeModel embeddings: Titan's `{embedding, inputTextTokenCount}`, or
 * Cohere Embed's `{embeddings}`, a list of vectors or, with embedding_types,
 * `{float: [...]}`.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
 */
export const validateBedrockEmbeddings = compileResponseSchema<BedrockEmbeddingsResponse>('Bedrock', {
  ...obj({
    embedding: arrayOf(num),
    inputTextTokenCount: count,
    // Arrays are checked by `items`, objects by `properties`: one schema for both of Cohere's shapes.
    embeddings: { ...obj({ float: arrayOf(arrayOf(num)) }, ['float']), type: ['array', 'object'], items: arrayOf(num) },
  }),
  if: { required: ['embedding'] },
  else: { required: ['embeddings'] },
});
