// The parts of a Gemini GenerateContentResponse the translation reads, as a schema.
// https://ai.google.dev/api/generate-content#generatecontentresponse
import { compileResponseSchema } from '../shared/compile-response-schema';
import { arrayOf, count, obj, str } from '../shared/schema-parts';
import type { GeminiGenerateContentResponse } from './types';

const part = obj({ text: str, thought: { type: 'boolean' }, thoughtSignature: str, functionCall: obj({ name: str, args: { type: 'object' } }, ['name']) });

const candidate = obj({ content: obj({ parts: arrayOf(part) }), finishReason: str, index: { type: 'integer' } });

export const validateGeminiResponse = compileResponseSchema<GeminiGenerateContentResponse>(
  'Gemini',
  obj({
    candidates: arrayOf(candidate),
    modelVersion: str,
    promptFeedback: obj({ blockReason: str }),
    usageMetadata: obj({
      promptTokenCount: count,
      candidatesTokenCount: count,
      thoughtsTokenCount: count,
      cachedContentTokenCount: count,
      totalTokenCount: count,
    }),
  }),
);
