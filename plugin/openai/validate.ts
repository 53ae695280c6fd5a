// Validation of client requests against JSON schemas of the OpenAI API
// surface the gateway supports. Errors name the field (`messages[2].role`)
// the way OpenAI's own `param` does, so clients can tell what to fix.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileSchema } from '../validation/compile-schema';
import { findTooDeep, MAX_JSON_DEPTH } from './find-too-deep';
import { normalizeChatRequest } from './normalize-chat-request';
import type { ChatRequest, EmbeddingsRequest } from './types';

// Every request shape OpenAI's Chat Completions API documents (the `openai`
// SDK's ChatCompletionCreateParams), whether or not the gateway can carry it
// to every provider: what a provider cannot do is a 400 from its translation
// naming the field. Fields not listed here are accepted and passed to OpenAI
// itself unchanged (other providers ignore them).
// https://platform.openai.com/docs/api-reference/chat/create

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const cacheControl = { type: ['object', 'null'] };

const contentPart = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    { properties: { type: { const: 'text' }, text: { type: 'string' }, cache_control: cacheControl }, required: ['type', 'text'] },
    {
      required: ['type', 'image_url'],
      properties: {
        type: { const: 'image_url' },
        cache_control: cacheControl,
        image_url: {
          type: 'object',
          required: ['url'],
          properties: { url: { type: 'string', minLength: 1 }, detail: { enum: ['auto', 'low', 'high'] } },
        },
      },
    },
    {
      required: ['type', 'input_audio'],
      properties: {
        type: { const: 'input_audio' },
        input_audio: { type: 'object', required: ['data', 'format'], properties: { data: { type: 'string' }, format: { enum: ['wav', 'mp3'] } } },
      },
    },
    {
      required: ['type', 'file'],
      properties: {
        type: { const: 'file' },
        cache_control: cacheControl,
        file: { type: 'object', properties: { file_data: { type: 'string' }, file_id: { type: 'string' }, filename: { type: 'string' } } },
      },
    },
    { required: ['type', 'refusal'], properties: { type: { const: 'refusal' }, refusal: { type: 'string' } } },
  ],
};

const toolCall = {
  type: 'object',
  required: ['id', 'type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      required: ['id', 'type', 'function'],
      properties: {
        id: { type: 'string' },
        type: { const: 'function' },
        function: { type: 'object', required: ['name', 'arguments'], properties: { name: { type: 'string' }, arguments: { type: 'string' } } },
      },
    },
    {
      required: ['id', 'type', 'custom'],
      properties: {
        id: { type: 'string' },
        type: { const: 'custom' },
        custom: { type: 'object', required: ['name', 'input'], properties: { name: { type: 'string' }, input: { type: 'string' } } },
      },
    },
  ],
};

const thinkingBlock = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['thinking', 'redacted_thinking'] },
    thinking: { type: 'string' },
    signature: { type: ['string', 'null'] },
    data: { type: 'string' },
  },
};

const message = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
    content: { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', items: contentPart }] },
    name: { type: ['string', 'null'] },
    tool_calls: { type: ['array', 'null'], items: toolCall },
    tool_call_id: { type: 'string' },
    function_call: nullable({ type: 'object', required: ['name', 'arguments'], properties: { name: { type: 'string' }, arguments: { type: 'string' } } }),
    refusal: { type: ['string', 'null'] },
    provider_state: { type: 'object' },
    reasoning_content: { type: ['string', 'null'] },
    thinking_blocks: { type: ['array', 'null'], items: thinkingBlock },
    cache_control: cacheControl,
  },
  allOf: [
    { if: { properties: { role: { const: 'tool' } } }, then: { required: ['tool_call_id', 'content'] } },
    { if: { properties: { role: { const: 'function' } } }, then: { required: ['name', 'content'], properties: { name: { type: 'string' } } } },
    {
      if: { properties: { role: { enum: ['system', 'developer', 'user'] } } },
      then: { required: ['content'], properties: { content: { not: { type: 'null' } } } },
    },
  ],
};

const functionDefinition = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
    description: { type: 'string' },
    parameters: { type: 'object' },
    strict: { type: ['boolean', 'null'] },
  },
};

const tool = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    { required: ['type', 'function'], properties: { type: { const: 'function' }, function: functionDefinition, cache_control: cacheControl } },
    {
      required: ['type', 'custom'],
      properties: {
        type: { const: 'custom' },
        custom: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' }, format: { type: 'object' } } },
      },
    },
  ],
};

const named = (type: string) => ({
  type: 'object',
  required: ['type', type],
  properties: { type: { const: type }, [type]: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
});

const toolChoice = {
  anyOf: [
    { enum: ['none', 'auto', 'required'] },
    named('function'),
    named('custom'),
    {
      type: 'object',
      required: ['type', 'allowed_tools'],
      properties: {
        type: { const: 'allowed_tools' },
        allowed_tools: {
          type: 'object',
          required: ['mode', 'tools'],
          properties: { mode: { enum: ['auto', 'required'] }, tools: { type: 'array', items: { type: 'object' } } },
        },
      },
    },
  ],
};

const reasoningEffort = { enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', null] };

const chatSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    messages: { type: 'array', minItems: 1, items: message },
    tools: { type: ['array', 'null'], items: tool },
    tool_choice: nullable(toolChoice),
    parallel_tool_calls: { type: ['boolean', 'null'] },
    // Deprecated function calling, still accepted by OpenAI (normalized to tools).
    functions: { type: ['array', 'null'], items: functionDefinition },
    function_call: nullable({ anyOf: [{ enum: ['none', 'auto'] }, { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }] }),
    response_format: nullable({
      oneOf: [
        { type: 'object', required: ['type'], properties: { type: { enum: ['text', 'json_object'] } } },
        {
          type: 'object',
          required: ['type', 'json_schema'],
          properties: {
            type: { const: 'json_schema' },
            json_schema: {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' }, description: { type: 'string' }, schema: { type: 'object' }, strict: { type: ['boolean', 'null'] } },
            },
          },
        },
      ],
    }),
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    max_tokens: { type: ['integer', 'null'], minimum: 1 },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1 },
    stop: { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }] },
    seed: { type: ['integer', 'null'] },
    n: { type: ['integer', 'null'], minimum: 1, maximum: 128 },
    presence_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
    frequency_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
    logit_bias: { type: ['object', 'null'], additionalProperties: { type: 'number', minimum: -100, maximum: 100 } },
    logprobs: { type: ['boolean', 'null'] },
    top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    user: { type: 'string' },
    stream: { type: ['boolean', 'null'] },
    stream_options: {
      type: ['object', 'null'],
      properties: { include_usage: { type: ['boolean', 'null'] }, include_obfuscation: { type: ['boolean', 'null'] } },
    },
    metadata: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
    store: { type: ['boolean', 'null'] },
    modalities: { type: ['array', 'null'], items: { enum: ['text', 'audio'] } },
    audio: { type: ['object', 'null'], required: ['format', 'voice'] },
    prediction: { type: ['object', 'null'], required: ['type', 'content'], properties: { type: { const: 'content' } } },
    reasoning_effort: reasoningEffort,
    // The Responses API's spelling, normalized to reasoning_effort.
    reasoning: { type: ['object', 'null'], properties: { effort: reasoningEffort } },
    // Anthropic's thinking switch, as LiteLLM and the Anthropic ingress send it (wins over reasoning_effort).
    thinking: nullable({
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        { required: ['type', 'budget_tokens'], properties: { type: { const: 'enabled' }, budget_tokens: { type: 'integer', minimum: 1 } } },
        { properties: { type: { const: 'disabled' } } },
      ],
    }),
  },
};

const embeddingsSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: {
      anyOf: [
        { type: 'string' },
        { type: 'array', minItems: 1, maxItems: 2048, items: { type: 'string' } },
        { type: 'array', minItems: 1, items: { type: 'integer' } },
        { type: 'array', minItems: 1, items: { type: 'array', items: { type: 'integer' } } },
      ],
    },
    encoding_format: { enum: ['float', 'base64'] },
    dimensions: { type: 'integer', minimum: 1 },
    user: { type: 'string' },
  },
};

export interface ValidationFailure {
  message: string;
  param: string | null;
}

const validateChatSchema = compileSchema(chatSchema, { discriminator: true });
const validateEmbeddingsSchema = compileSchema(embeddingsSchema, { discriminator: true });

/** Validates a parsed chat request and returns it normalized (normalize-chat-request.ts). */
export function validateChat(body: unknown): { ok: true; value: ChatRequest } | { ok: false; error: ValidationFailure } {
  const checked = validateBody<Record<string, unknown>>(validateChatSchema, body);
  return checked.ok ? { ok: true, value: normalizeChatRequest(checked.value) } : checked;
}

export function validateEmbeddings(body: unknown): { ok: true; value: EmbeddingsRequest } | { ok: false; error: ValidationFailure } {
  return validateBody(validateEmbeddingsSchema, body);
}

/** Checks a parsed body against a compiled schema, reporting the most specific field in OpenAI's `param` notation. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T is the type the compiled schema proves; the caller names it
export function validateBody<T>(validate: ValidateFunction, body: unknown): { ok: true; value: T } | { ok: false; error: ValidationFailure } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: { message: 'The request body must be a JSON object.', param: null } };
  }
  const tooDeep = findTooDeep(body);
  if (tooDeep !== undefined) {
    return { ok: false, error: { message: `Invalid value for '${tooDeep}': JSON nested more than ${MAX_JSON_DEPTH} levels deep.`, param: tooDeep } };
  }
  if (validate(body)) return { ok: true, value: body as T };
  return { ok: false, error: describe(deepest(validate.errors ?? [])) };
}

/**
 * The error that names the most specific field: for `content` (a string or
 * parts) a bad part says which part, not that content is not a string.
 */
function deepest(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const e of errors) if (!best || e.instancePath.split('/').length > best.instancePath.split('/').length) best = e;
  return best;
}

// `/messages/2/role` -> `messages[2].role`, the notation OpenAI uses in `param`.
function paramOf(error: ErrorObject): string | null {
  const parts = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required') parts.push((error.params as { missingProperty: string }).missingProperty);
  if (error.keyword === 'discriminator') parts.push((error.params as { tag: string }).tag);
  if (parts.length === 0) return null;
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function describe(error: ErrorObject | undefined): ValidationFailure {
  if (!error) return { message: 'Invalid request body.', param: null };
  const param = paramOf(error);
  switch (error.keyword) {
    case 'required':
      return { message: `Missing required parameter: '${param}'.`, param };
    case 'enum':
      return {
        message: `Invalid value for '${param}': must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}.`,
        param,
      };
    case 'const':
      return { message: `Invalid value for '${param}': must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}.`, param };
    case 'discriminator': {
      const { tagValue } = error.params as { tagValue: unknown };
      return tagValue === undefined
        ? { message: `Missing required parameter: '${param}'.`, param }
        : { message: `Invalid value for '${param}': ${JSON.stringify(tagValue)} is not a supported type.`, param };
    }
    default:
      return { message: `Invalid value for '${param ?? 'body'}': ${error.message ?? 'invalid'}.`, param };
  }
}
