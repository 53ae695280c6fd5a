// Schema of the Anthropic Messages request the gateway accepts. Errors name
// the field the way the OpenAI side does (`messages[1].content[0].type`), so
// a client can tell what to fix; the HTTP answer is Anthropic's
// invalid_request_error. Cross-field rules that a schema states poorly
// (which block goes in which role, server tools) live in to-openai-request.ts.
// https://platform.claude.com/docs/en/api/messages
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileSchema } from '../../validation/compile-schema';
import { findTooDeep, MAX_JSON_DEPTH } from '../../openai/find-too-deep';
import { AnthropicRequestError } from './errors';
import type { IngressRequest } from './types';

const cacheControl = {
  type: ['object', 'null'],
  properties: { type: { const: 'ephemeral' }, ttl: { enum: ['5m', '1h'] } },
};

const textBlock = {
  type: 'object',
  required: ['type', 'text'],
  // `citations` (the model's own, echoed back) are accepted and not carried: other providers have none.
  properties: { type: { const: 'text' }, text: { type: 'string' }, cache_control: cacheControl, citations: { type: ['array', 'null'] } },
};

const imageBlock = {
  type: 'object',
  required: ['type', 'source'],
  properties: {
    type: { const: 'image' },
    cache_control: cacheControl,
    source: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          required: ['type', 'media_type', 'data'],
          properties: {
            type: { const: 'base64' },
            media_type: { enum: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] },
            data: { type: 'string', minLength: 1 },
          },
        },
        { required: ['type', 'url'], properties: { type: { const: 'url' }, url: { type: 'string', pattern: '^https?://' } } },
        { required: ['type', 'file_id'], properties: { type: { const: 'file' }, file_id: { type: 'string' } } },
      ],
    },
  },
};

const documentBlock = {
  type: 'object',
  required: ['type', 'source'],
  properties: {
    type: { const: 'document' },
    cache_control: cacheControl,
    title: { type: ['string', 'null'] },
    context: { type: ['string', 'null'] },
    citations: { type: ['object', 'null'] },
    source: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        {
          required: ['type', 'media_type', 'data'],
          properties: { type: { const: 'base64' }, media_type: { const: 'application/pdf' }, data: { type: 'string' } },
        },
        { required: ['type', 'media_type', 'data'], properties: { type: { const: 'text' }, media_type: { const: 'text/plain' }, data: { type: 'string' } } },
        { required: ['type', 'content'], properties: { type: { const: 'content' }, content: { type: ['string', 'array'] } } },
        { required: ['type', 'url'], properties: { type: { const: 'url' }, url: { type: 'string' } } },
        { required: ['type', 'file_id'], properties: { type: { const: 'file' }, file_id: { type: 'string' } } },
      ],
    },
  },
};

const searchResultBlock = {
  type: 'object',
  required: ['type', 'source', 'title', 'content'],
  properties: {
    type: { const: 'search_result' },
    source: { type: 'string' },
    title: { type: 'string' },
    content: { type: 'array', items: textBlock },
    cache_control: cacheControl,
    citations: { type: ['object', 'null'] },
  },
};

const toolUseBlock = {
  type: 'object',
  required: ['type', 'id', 'name', 'input'],
  properties: {
    type: { const: 'tool_use' },
    id: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    input: { type: 'object' },
    cache_control: cacheControl,
  },
};

const toolResultBlock = {
  type: 'object',
  required: ['type', 'tool_use_id'],
  properties: {
    type: { const: 'tool_result' },
    tool_use_id: { type: 'string', minLength: 1 },
    is_error: { type: 'boolean' },
    cache_control: cacheControl,
    content: {
      type: ['string', 'array'],
      items: { type: 'object', required: ['type'], discriminator: { propertyName: 'type' }, oneOf: [textBlock, imageBlock, documentBlock, searchResultBlock] },
    },
  },
};

const thinkingBlock = {
  type: 'object',
  required: ['type', 'thinking'],
  properties: { type: { const: 'thinking' }, thinking: { type: 'string' }, signature: { type: 'string' } },
};
const redactedThinkingBlock = { type: 'object', required: ['type', 'data'], properties: { type: { const: 'redacted_thinking' }, data: { type: 'string' } } };

const BLOCK_TYPES = ['text', 'image', 'document', 'search_result', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking'];
const TOOL_RESULT_BLOCK_TYPES = ['text', 'image', 'document', 'search_result'];

const message = {
  type: 'object',
  required: ['role', 'content'],
  properties: {
    role: { enum: ['user', 'assistant'] },
    content: {
      type: ['string', 'array'],
      items: {
        type: 'object',
        required: ['type'],
        discriminator: { propertyName: 'type' },
        oneOf: [textBlock, imageBlock, documentBlock, searchResultBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock],
      },
    },
  },
};

const tool = {
  type: 'object',
  required: ['name', 'input_schema'],
  properties: {
    type: { const: 'custom' },
    name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,128}$' },
    description: { type: 'string' },
    input_schema: { type: 'object', required: ['type'], properties: { type: { const: 'object' } } },
    strict: { type: 'boolean' },
    cache_control: cacheControl,
  },
};

const disableParallel = { disable_parallel_tool_use: { type: 'boolean' } };
const toolChoice = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    { properties: { type: { const: 'auto' }, ...disableParallel } },
    { properties: { type: { const: 'any' }, ...disableParallel } },
    { required: ['type', 'name'], properties: { type: { const: 'tool' }, name: { type: 'string', minLength: 1 }, ...disableParallel } },
    { properties: { type: { const: 'none' } } },
  ],
};

const thinking = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [
    { required: ['type', 'budget_tokens'], properties: { type: { const: 'enabled' }, budget_tokens: { type: 'integer', minimum: 1024 } } },
    { properties: { type: { const: 'disabled' } } },
    { properties: { type: { const: 'adaptive' } } },
  ],
};

const requestSchema = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1 },
    max_tokens: { type: 'integer', minimum: 1 },
    messages: { type: 'array', minItems: 1, items: message },
    system: { type: ['string', 'array'], items: textBlock },
    tools: { type: 'array', items: tool },
    tool_choice: toolChoice,
    stop_sequences: { type: 'array', items: { type: 'string' } },
    temperature: { type: 'number', minimum: 0, maximum: 1 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    top_k: { type: 'integer', minimum: 0 },
    metadata: { type: 'object', properties: { user_id: { type: ['string', 'null'] } } },
    stream: { type: 'boolean' },
    thinking,
    // Accepted; the gateway's routing decides the tier.
    service_tier: { enum: ['auto', 'standard_only'] },
    output_config: {
      type: 'object',
      properties: {
        format: { type: 'object', required: ['type', 'schema'], properties: { type: { const: 'json_schema' }, schema: { type: 'object' } } },
      },
    },
  },
};

/** Request fields whose meaning the gateway cannot honour through another provider. */
const REFUSED_FIELDS: Record<string, string> = {
  mcp_servers: 'MCP servers are run by Anthropic itself; the gateway cannot route them to other providers',
  container: 'code-execution containers are an Anthropic server feature the gateway does not offer',
};

const validateSchema: ValidateFunction<IngressRequest> = compileSchema<IngressRequest>(requestSchema, { discriminator: true });

export type ValidationResult = { ok: true; value: IngressRequest } | { ok: false; error: AnthropicRequestError };

/** Checks a parsed JSON body; on failure the error names the first field at fault. */
export function validateAnthropicRequest(body: unknown): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: new AnthropicRequestError('The request body must be a JSON object.', null) };
  }
  const tooDeep = findTooDeep(body);
  if (tooDeep !== undefined) return { ok: false, error: new AnthropicRequestError(`JSON nested more than ${MAX_JSON_DEPTH} levels deep.`, tooDeep) };
  const record = body as Record<string, unknown>;
  for (const [field, why] of Object.entries(REFUSED_FIELDS)) {
    if (record[field] !== undefined && record[field] !== null) return { ok: false, error: new AnthropicRequestError(`not supported: ${why}.`, field) };
  }
  const serverTool = findServerTool(record.tools);
  if (serverTool) return { ok: false, error: serverTool };
  if (validateSchema(body)) return { ok: true, value: body };
  return { ok: false, error: describe(validateSchema.errors?.[0]) };
}

// Server tools (web_search_20250305, bash_20250124...) are run by Anthropic; they have
// no input_schema, so say so before the schema complains about a missing one.
function findServerTool(tools: unknown): AnthropicRequestError | undefined {
  if (!Array.isArray(tools)) return undefined;
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i] as { type?: unknown } | null;
    if (t && typeof t === 'object' && t.type !== undefined && t.type !== 'custom') {
      return new AnthropicRequestError(
        `server tool ${JSON.stringify(t.type)} is not supported: the gateway routes to other providers, which can only call tools you define with input_schema.`,
        `tools[${i}].type`,
      );
    }
  }
  return undefined;
}

/** The supported block types, when `param` is the type of a content block. */
function blockTypesAt(param: string | null): string {
  if (!param || !/content\[\d+\]\.type$/.test(param)) return '';
  const nested = (param.match(/content\[/g) ?? []).length > 1; // inside a tool_result
  return ` (supported: ${(nested ? TOOL_RESULT_BLOCK_TYPES : BLOCK_TYPES).join(', ')})`;
}

// `/messages/2/content/0` -> `messages[2].content[0]`
function paramOf(error: ErrorObject): string | null {
  const parts = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required') parts.push((error.params as { missingProperty: string }).missingProperty);
  if (error.keyword === 'discriminator') parts.push((error.params as { tag: string }).tag);
  if (parts.length === 0) return null;
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function describe(error: ErrorObject | undefined): AnthropicRequestError {
  if (!error) return new AnthropicRequestError('Invalid request body.', null);
  const param = paramOf(error);
  switch (error.keyword) {
    case 'required':
      return new AnthropicRequestError('Field required.', param);
    case 'discriminator': {
      const { tagValue } = error.params as { tagValue: unknown };
      const allowed = blockTypesAt(param);
      return tagValue === undefined
        ? new AnthropicRequestError('Field required.', param)
        : new AnthropicRequestError(`${JSON.stringify(tagValue)} is not a supported type here${allowed}.`, param);
    }
    case 'enum':
      return new AnthropicRequestError(
        `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}.`,
        param,
      );
    case 'const':
      return new AnthropicRequestError(`must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}.`, param);
    case 'minItems':
      return new AnthropicRequestError(`must have at least ${(error.params as { limit: number }).limit} item(s).`, param);
    default:
      return new AnthropicRequestError(`${error.message ?? 'invalid'}.`, param);
  }
}
