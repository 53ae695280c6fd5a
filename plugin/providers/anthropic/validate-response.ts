// The parts of an Anthropic Message the translation reads, as a schema.
// https://platform.claude.com/docs/en/api/messages (response body)
import { compileResponseSchema } from '../shared/compile-response-schema';
import { arrayOf, count, obj, str, whenType } from '../shared/schema-parts';
import type { AnthropicResponse } from './types';

export const anthropicUsageSchema = obj({ input_tokens: count, output_tokens: count, cache_creation_input_tokens: count, cache_read_input_tokens: count });

const block = {
  ...obj({ type: str }, ['type']),
  // Other kinds (server tools) are let through and skipped.
  allOf: [
    whenType('text', obj({ text: str }, ['text'])),
    whenType('tool_use', obj({ id: str, name: str }, ['id', 'name'])),
    whenType('thinking', obj({ thinking: str, signature: str })),
    whenType('redacted_thinking', obj({ data: str }, ['data'])),
  ],
};

export const validateAnthropicResponse = compileResponseSchema<AnthropicResponse>(
  'Anthropic',
  obj({ content: arrayOf(block), model: str, stop_reason: { type: ['string', 'null'] }, usage: anthropicUsageSchema }, ['content']),
);
