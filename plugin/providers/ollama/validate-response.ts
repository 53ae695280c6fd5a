// The parts of an Ollama /api/chat response the translation reads, as a schema.
// https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
import { compileResponseSchema } from '../shared/compile-response-schema';
import { arrayOf, count, num, obj, str } from '../shared/schema-parts';
import type { OllamaChatResponse } from './types';

const toolCall = obj({ function: obj({ name: str, arguments: { type: ['object', 'null'] } }, ['name']) }, ['function']);

export const validateOllamaResponse = compileResponseSchema<OllamaChatResponse>(
  'Ollama',
  obj({
    model: str,
    message: obj({ content: str, thinking: str, tool_calls: arrayOf(toolCall) }),
    done_reason: str,
    prompt_eval_count: count,
    eval_count: count,
  }),
);

export const validateOllamaEmbeddings = compileResponseSchema<{ embeddings: number[][]; prompt_eval_count?: number | null; model?: string }>(
  'Ollama',
  obj({ embeddings: arrayOf(arrayOf(num)), prompt_eval_count: count, model: str }, ['embeddings']),
);
