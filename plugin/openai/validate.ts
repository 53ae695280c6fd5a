// Validation of client requests against JSON schemas of the OpenAI API
// surface the gateway supports. Errors name the field (`messages[2].role`)
// the way OpenAI's own `param` does, so clients can tell what to fix.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { ChatRequest, EmbeddingsRequest } from './types';

const ajv = new Ajv({ allErrors: false, strict: false });

const contentPart = {
  oneOf: [
    { type: 'object', required: ['type', 'text'], properties: { type: { const: 'text' }, text: { type: 'string' } } },
    {
      type: 'object',
      required: ['type', 'image_url'],
      properties: {
        type: { const: 'image_url' },
        image_url: {
          type: 'object',
          required: ['url'],
          properties: { url: { type: 'string', minLength: 1 }, detail: { enum: ['auto', 'low', 'high'] } },
        },
      },
    },
  ],
};

const toolCall = {
  type: 'object',
  required: ['id', 'type', 'function'],
  properties: {
    id: { type: 'string' },
    type: { const: 'function' },
    function: {
      type: 'object',
      required: ['name', 'arguments'],
      properties: { name: { type: 'string' }, arguments: { type: 'string' } },
    },
  },
};

const message = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
    content: { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', items: contentPart }] },
    name: { type: 'string' },
    tool_calls: { type: 'array', items: toolCall },
    tool_call_id: { type: 'string' },
    provider_state: { type: 'object' },
  },
  allOf: [
    { if: { properties: { role: { const: 'tool' } } }, then: { required: ['tool_call_id', 'content'] } },
    { if: { properties: { role: { enum: ['system', 'developer', 'user'] } } }, then: { required: ['content'] } },
  ],
};

const chatSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    messages: { type: 'array', minItems: 1, items: message },
    tools: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'function'],
        properties: {
          type: { const: 'function' },
          function: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
              description: { type: 'string' },
              parameters: { type: 'object' },
              strict: { type: ['boolean', 'null'] },
            },
          },
        },
      },
    },
    tool_choice: {
      anyOf: [
        { enum: ['none', 'auto', 'required'] },
        {
          type: 'object',
          required: ['type', 'function'],
          properties: { type: { const: 'function' }, function: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
        },
      ],
    },
    parallel_tool_calls: { type: 'boolean' },
    response_format: {
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
    },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    max_tokens: { type: ['integer', 'null'], minimum: 1 },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1 },
    stop: { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }] },
    seed: { type: ['integer', 'null'] },
    n: { type: ['integer', 'null'], minimum: 1, maximum: 1 },
    presence_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
    frequency_penalty: { type: ['number', 'null'], minimum: -2, maximum: 2 },
    user: { type: 'string' },
    stream: { type: ['boolean', 'null'] },
    stream_options: { type: ['object', 'null'], properties: { include_usage: { type: 'boolean' } } },
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

const validateChatSchema = ajv.compile(chatSchema);
const validateEmbeddingsSchema = ajv.compile(embeddingsSchema);

export function validateChat(body: unknown): { ok: true; value: ChatRequest } | { ok: false; error: ValidationFailure } {
  return run(validateChatSchema, body);
}

export function validateEmbeddings(body: unknown): { ok: true; value: EmbeddingsRequest } | { ok: false; error: ValidationFailure } {
  return run(validateEmbeddingsSchema, body);
}

function run<T>(validate: ValidateFunction, body: unknown): { ok: true; value: T } | { ok: false; error: ValidationFailure } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: { message: 'The request body must be a JSON object.', param: null } };
  }
  if (validate(body)) return { ok: true, value: body as T };
  return { ok: false, error: describe(validate.errors?.[0]) };
}

// `/messages/2/role` -> `messages[2].role`, the notation OpenAI uses in `param`.
function paramOf(error: ErrorObject): string | null {
  const parts = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required') parts.push(String((error.params as { missingProperty: string }).missingProperty));
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
    default:
      return { message: `Invalid value for '${param ?? 'body'}': ${error.message ?? 'invalid'}.`, param };
  }
}
