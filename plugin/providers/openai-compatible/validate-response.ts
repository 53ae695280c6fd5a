// The parts of an OpenAI-compatible answer the translation reads, as schemas
// shared by every provider on this base (OpenAI, Azure, Mistral, any /v1
// server). Loose where servers differ and the translation copes (content,
// model, reasoning fields are read by type); strict where a wrong type would
// crash it or reach the client unchanged (choices, tool calls, ids, counts).
// https://platform.openai.com/docs/api-reference/chat/object
// https://platform.openai.com/docs/api-reference/embeddings/object
import { compileSharedResponseSchema } from '../shared/compile-response-schema';
import { arrayOf, count, num, obj, str } from '../shared/schema-parts';
import type { NativeChoice, NativeCompletion, NativeEmbeddings } from './types';

const orNull = (type: string) => ({ type: [type, 'null'] });

const toolCall = obj({
  id: orNull('string'),
  type: str,
  index: orNull('integer'),
  function: { ...obj({ name: orNull('string'), arguments: { type: ['string', 'object', 'null'] } }), type: ['object', 'null'] },
  custom: { ...obj({ name: orNull('string'), input: orNull('string') }), type: ['object', 'null'] },
});

const usage = {
  ...obj({
    prompt_tokens: count,
    completion_tokens: count,
    total_tokens: count,
    prompt_cache_hit_tokens: count,
    prompt_tokens_details: { ...obj({ cached_tokens: count, cache_write_tokens: count }), type: ['object', 'null'] },
    completion_tokens_details: { ...obj({ reasoning_tokens: count }), type: ['object', 'null'] },
  }),
  type: ['object', 'null'],
};

const choice = obj({
  index: orNull('integer'),
  message: { ...obj({ tool_calls: { ...arrayOf(toolCall), type: ['array', 'null'] } }), type: ['object', 'null'] },
  finish_reason: orNull('string'),
});

export const validateCompatibleResponse = compileSharedResponseSchema<NativeCompletion & { choices: NativeChoice[] }>(
  obj({ choices: arrayOf(choice), usage, system_fingerprint: orNull('string') }, ['choices']),
);

export const validateCompatibleEmbeddings = compileSharedResponseSchema<NativeEmbeddings & { data: NonNullable<NativeEmbeddings['data']> }>(
  obj(
    {
      // A vector, or base64 when the client asked for encoding_format: base64.
      data: arrayOf(obj({ index: orNull('integer'), embedding: { type: ['array', 'string'], items: num } })),
      usage: { ...obj({ prompt_tokens: count, total_tokens: count }), type: ['object', 'null'] },
    },
    ['data'],
  ),
);
