// The parts of a Cohere v2 chat response the translation reads, as a schema.
// https://docs.cohere.com/reference/chat (response)
import { compileResponseSchema } from '../shared/compile-response-schema';
import { arrayOf, count, num, obj, str } from '../shared/schema-parts';
import type { CohereChatResponse } from './types';

const tokens = obj({ input_tokens: count, output_tokens: count });

export const validateCohereResponse = compileResponseSchema<CohereChatResponse>(
  'Cohere',
  obj(
    {
      message: obj({
        content: arrayOf(obj({ type: str, text: str, thinking: str }, ['type'])),
        tool_calls: arrayOf(obj({ id: str, function: obj({ name: str, arguments: str }, ['name', 'arguments']) }, ['function'])),
      }),
      finish_reason: str,
      usage: obj({ billed_units: tokens, tokens }),
    },
    ['message'],
  ),
);

export const validateCohereEmbeddings = compileResponseSchema<{
  embeddings: { float: number[][] };
  meta?: { billed_units?: { input_tokens?: number | null } };
}>('Cohere', obj({ embeddings: obj({ float: arrayOf(arrayOf(num)) }, ['float']), meta: obj({ billed_units: obj({ input_tokens: count }) }) }, ['embeddings']));
