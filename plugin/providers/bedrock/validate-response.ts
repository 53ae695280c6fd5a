// The parts of a Converse response the translation reads, as a schema.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
import { compileResponseSchema } from '../shared/compile-response-schema';
import { arrayOf, count, obj, str } from '../shared/schema-parts';
import type { BedrockConverseResponse } from './types';

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
