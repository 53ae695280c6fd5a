// Validation of Responses API requests: the surface the gateway can carry
// to every provider. Tools other than functions run inside OpenAI (web
// search, file search, code interpreter, computer use...) and cannot be
// offered to another provider's model: they are refused by name.
import { validateBody, type ValidationFailure } from '../../openai/validate';
import type { ResponsesRequest } from './types';
import { compileSchema } from '../../validation/compile-schema';

const nullable = (schema: object) => ({ anyOf: [{ type: 'null' }, schema] });

const inputText = { type: 'object', required: ['type', 'text'], properties: { type: { const: 'input_text' }, text: { type: 'string' } } };
const inputImage = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { const: 'input_image' },
    image_url: { type: ['string', 'null'] },
    file_id: { type: ['string', 'null'] },
    detail: { enum: ['low', 'high', 'auto', 'original', null] },
  },
};
const outputText = { type: 'object', required: ['type', 'text'], properties: { type: { const: 'output_text' }, text: { type: 'string' } } };
const refusal = { type: 'object', required: ['type', 'refusal'], properties: { type: { const: 'refusal' }, refusal: { type: 'string' } } };

const messageItem = {
  type: 'object',
  required: ['role', 'content'],
  properties: {
    type: { const: 'message' },
    role: { enum: ['user', 'assistant', 'system', 'developer'] },
    content: {
      anyOf: [
        { type: 'string' },
        {
          type: 'array',
          items: { type: 'object', required: ['type'], discriminator: { propertyName: 'type' }, oneOf: [inputText, inputImage, outputText, refusal] },
        },
      ],
    },
  },
};

const functionCallItem = {
  type: 'object',
  required: ['type', 'call_id', 'name', 'arguments'],
  properties: { type: { const: 'function_call' }, call_id: { type: 'string', minLength: 1 }, name: { type: 'string' }, arguments: { type: 'string' } },
};

const functionCallOutputItem = {
  type: 'object',
  required: ['type', 'call_id', 'output'],
  properties: {
    type: { const: 'function_call_output' },
    call_id: { type: 'string', minLength: 1 },
    output: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', required: ['type'], oneOf: [inputText, inputImage] } }] },
  },
};

const reasoningItem = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { const: 'reasoning' },
    id: { type: 'string' },
    summary: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } },
    content: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } },
    encrypted_content: { type: ['string', 'null'] },
  },
};

const functionTool = {
  type: 'object',
  required: ['type', 'name'],
  properties: {
    type: { const: 'function' },
    name: { type: 'string', minLength: 1 },
    description: { type: ['string', 'null'] },
    parameters: { type: ['object', 'null'] },
    strict: { type: ['boolean', 'null'] },
  },
};

const textFormat = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    { properties: { type: { const: 'text' } } },
    { properties: { type: { const: 'json_object' } } },
    {
      required: ['type', 'name', 'schema'],
      properties: { type: { const: 'json_schema' }, name: { type: 'string' }, schema: { type: 'object' }, strict: { type: ['boolean', 'null'] } },
    },
  ],
};

const schema = {
  type: 'object',
  required: ['model'],
  properties: {
    model: { type: 'string', minLength: 1 },
    input: {
      anyOf: [
        { type: 'string' },
        {
          type: 'array',
          items: {
            // An item without `type` is a message (OpenAI's "easy input message").
            if: { type: 'object', not: { required: ['type'] } },
            then: messageItem,
            else: {
              type: 'object',
              required: ['type'],
              discriminator: { propertyName: 'type' },
              oneOf: [messageItem, functionCallItem, functionCallOutputItem, reasoningItem],
            },
          },
        },
      ],
    },
    instructions: { type: ['string', 'null'] },
    tools: { type: ['array', 'null'], items: { type: 'object', required: ['type'] } },
    tool_choice: nullable({
      anyOf: [
        { enum: ['none', 'auto', 'required'] },
        { type: 'object', required: ['type', 'name'], properties: { type: { const: 'function' }, name: { type: 'string' } } },
      ],
    }),
    parallel_tool_calls: { type: ['boolean', 'null'] },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    max_output_tokens: { type: ['integer', 'null'], minimum: 1 },
    text: { type: ['object', 'null'], properties: { format: textFormat } },
    reasoning: { type: ['object', 'null'], properties: { effort: { enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', null] } } },
    metadata: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
    user: { type: 'string' },
    store: { type: ['boolean', 'null'] },
    previous_response_id: { type: ['string', 'null'] },
    stream: { type: ['boolean', 'null'] },
  },
};

const validateSchema = compileSchema(schema);
const validateTool = compileSchema(functionTool);

export function validateResponsesRequest(body: unknown): { ok: true; value: ResponsesRequest } | { ok: false; error: ValidationFailure } {
  const checked = validateBody<ResponsesRequest>(validateSchema, body);
  if (!checked.ok) return checked;
  const tools = checked.value.tools ?? [];
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i] as { type: unknown };
    if (tool.type !== 'function') {
      const message = `Tool type '${String(tool.type)}' runs inside OpenAI and is not available through this gateway; only 'function' tools are supported.`;
      return { ok: false, error: { message, param: `tools[${i}].type` } };
    }
    const tooled = validateBody(validateTool, tool);
    if (!tooled.ok) return { ok: false, error: { message: tooled.error.message, param: `tools[${i}]${tooled.error.param ? `.${tooled.error.param}` : ''}` } };
  }
  if (checked.value.input === undefined && !checked.value.previous_response_id) {
    return { ok: false, error: { message: "Missing required parameter: 'input'.", param: 'input' } };
  }
  return checked;
}
