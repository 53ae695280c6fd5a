import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AnthropicRequestError } from './errors';
import { parseAnthropicRequest } from './to-openai-request';
import { validateAnthropicRequest } from './validate';

function fixture(name: string): { anthropic: unknown; openai: unknown } {
  return JSON.parse(readFileSync(join(__dirname, '__fixtures__', `${name}.json`), 'utf8'));
}

const base = { model: 'chat', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] };

/** Asserts that `body` is refused with `param` named and Anthropic's error type. */
function refused(body: unknown, param: string | null, message?: RegExp): void {
  assert.throws(
    () => parseAnthropicRequest(body),
    (err: unknown) => {
      assert.ok(err instanceof AnthropicRequestError, String(err));
      assert.equal(err.type, 'invalid_request_error');
      assert.equal(err.status, 400);
      assert.equal(err.param, param);
      if (param) assert.ok(err.message.startsWith(`${param}: `), err.message);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

describe('Anthropic request -> OpenAI request', () => {
  for (const name of ['request-system-images', 'request-tool-multiturn', 'request-provider-state']) {
    test(`fixture ${name}`, () => {
      const { anthropic, openai } = fixture(name);
      assert.deepEqual(parseAnthropicRequest(anthropic), openai);
    });
  }

  test('a plain request keeps the endpoint name and sets no stream fields', () => {
    assert.deepEqual(parseAnthropicRequest(base), { model: 'chat', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 100 });
  });

  test('stream:true always asks the provider for usage', () => {
    const out = parseAnthropicRequest({ ...base, stream: true });
    assert.equal(out.stream, true);
    assert.deepEqual(out.stream_options, { include_usage: true });
  });

  const tools = [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }];
  const choices: Array<[unknown, unknown, boolean | undefined]> = [
    [{ type: 'auto' }, 'auto', undefined],
    [{ type: 'any' }, 'required', undefined],
    [{ type: 'none' }, 'none', undefined],
    [{ type: 'tool', name: 'get_weather' }, { type: 'function', function: { name: 'get_weather' } }, undefined],
    [{ type: 'auto', disable_parallel_tool_use: true }, 'auto', false],
    [{ type: 'tool', name: 'get_weather', disable_parallel_tool_use: false }, { type: 'function', function: { name: 'get_weather' } }, undefined],
  ];
  for (const [choice, expected, parallel] of choices) {
    test(`tool_choice ${JSON.stringify(choice)}`, () => {
      const out = parseAnthropicRequest({ ...base, tools, tool_choice: choice });
      assert.deepEqual(out.tool_choice, expected);
      assert.equal(out.parallel_tool_calls, parallel);
    });
  }

  test('tool_choice without tools is dropped (OpenAI refuses it)', () => {
    const out = parseAnthropicRequest({ ...base, tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    assert.equal(out.tool_choice, undefined);
    assert.equal(out.parallel_tool_calls, undefined);
  });

  test('output_config json_schema becomes response_format json_schema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const out = parseAnthropicRequest({ ...base, output_config: { format: { type: 'json_schema', schema } } });
    assert.deepEqual(out.response_format, { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } });
  });

  test('an assistant turn of several text blocks keeps them as parts', () => {
    const out = parseAnthropicRequest({
      ...base,
      messages: [
        base.messages[0],
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    });
    assert.deepEqual(out.messages[1], {
      role: 'assistant',
      content: [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ],
    });
  });
});

describe("the gateway's redacted_thinking block restores provider_state", () => {
  const user = { role: 'user', content: 'Hi' };
  const withBlocks = (...blocks: unknown[]) => ({ ...base, messages: [user, { role: 'assistant', content: [...blocks, { type: 'text', text: 'ok' }] }, user] });
  const marked = (state: unknown) => ({ type: 'redacted_thinking', data: `llmgw1.${Buffer.from(JSON.stringify(state)).toString('base64url')}` });

  test('wherever it stands in the turn; several are deep-merged', () => {
    const out = parseAnthropicRequest({
      ...base,
      messages: [
        user,
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'ok' },
            marked({ gemini: { toolCallSignatures: { a: '1' } } }),
            marked({ gemini: { toolCallSignatures: { b: '2' } } }),
          ],
        },
        user,
      ],
    });
    assert.deepEqual(out.messages[1], { role: 'assistant', content: 'ok', provider_state: { gemini: { toolCallSignatures: { a: '1', b: '2' } } } });
  });

  test('a user turn cannot carry it', () =>
    refused({ ...base, messages: [{ role: 'user', content: [marked({ gemini: {} })] }] }, 'messages[0].content[0].type', /assistant messages/));

  const malformed: Array<[string, string]> = [
    ['not base64url', 'llmgw1.eyJ+Zm9v'],
    ['empty payload', 'llmgw1.'],
    ['not JSON', `llmgw1.${Buffer.from('{"gemini":').toString('base64url')}`],
    ['JSON but not an object', `llmgw1.${Buffer.from('[1,2]').toString('base64url')}`],
    ['JSON null', `llmgw1.${Buffer.from('null').toString('base64url')}`],
  ];
  for (const [what, data] of malformed) {
    test(`malformed marker data (${what}) is a 400 naming the field`, () =>
      refused(withBlocks({ type: 'redacted_thinking', data }), 'messages[1].content[0].data', /malformed gateway state/));
  }

  test('marker data over 64 KiB is refused before decoding', () =>
    refused(withBlocks(marked({ gemini: { textSignature: 'x'.repeat(64 * 1024) } })), 'messages[1].content[0].data', /longer than 65536/));

  test('data just under the cap is accepted', () => {
    const block = marked({ gemini: { textSignature: 'x'.repeat(40 * 1024) } });
    assert.ok(block.data.length <= 64 * 1024);
    assert.equal(parseAnthropicRequest(withBlocks(block)).messages[1]!.provider_state !== undefined, true);
  });

  test('redacted_thinking without a string data is a validation error', () =>
    refused(withBlocks({ type: 'redacted_thinking' }), 'messages[1].content[0].data', /Field required/));
});

describe('validation names the field at fault', () => {
  test('not an object', () => refused([], null, /JSON object/));
  test('model required', () => refused({ max_tokens: 1, messages: base.messages }, 'model', /Field required/));
  test('max_tokens required', () => refused({ model: 'm', messages: base.messages }, 'max_tokens', /Field required/));
  test('max_tokens positive integer', () => refused({ ...base, max_tokens: 0 }, 'max_tokens'));
  test('messages non-empty', () => refused({ ...base, messages: [] }, 'messages', /at least 1/));
  test('role user or assistant', () => refused({ ...base, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role', /"user", "assistant"/));
  test('content required', () => refused({ ...base, messages: [{ role: 'user' }] }, 'messages[0].content'));
  test('unknown block type', () =>
    refused(
      { ...base, messages: [base.messages[0], { role: 'user', content: [{ type: 'container_upload', file_id: 'f' }] }] },
      'messages[1].content[0].type',
      /"container_upload" is not a supported type here \(supported: text, image, document, search_result, tool_use/,
    ));
  test('block type missing', () =>
    refused({ ...base, messages: [{ role: 'user', content: [{ text: 'x' }] }] }, 'messages[0].content[0].type', /Field required/));
  test('text block without text', () => refused({ ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] }, 'messages[0].content[0].text'));
  test('image media type', () =>
    refused(
      { ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA==' } }] }] },
      'messages[0].content[0].source.media_type',
    ));
  test('file image source', () =>
    refused(
      { ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] },
      'messages[0].content[0].source.type',
    ));
  test('tool_use in a user turn', () =>
    refused(
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 't', name: 'n', input: {} }] }] },
      'messages[0].content[0].type',
      /assistant messages/,
    ));
  test('tool_result in an assistant turn', () =>
    refused(
      { ...base, messages: [base.messages[0], { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x' }] }] },
      'messages[1].content[0].type',
      /user messages/,
    ));
  test('image in an assistant turn', () =>
    refused(
      { ...base, messages: [base.messages[0], { role: 'assistant', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] },
      'messages[1].content[0].type',
    ));
  test('an image inside a tool result is carried as a part of the tool message', () => {
    const out = parseAnthropicRequest({
      ...base,
      messages: [
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 't', is_error: true, content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }],
        },
      ],
    });
    assert.deepEqual(out.messages[0], {
      role: 'tool',
      tool_call_id: 't',
      content: [
        { type: 'text', text: 'Error:' },
        { type: 'image_url', image_url: { url: 'https://x/y.png' } },
      ],
    });
  });
  test('unknown block inside a tool result', () =>
    refused(
      {
        ...base,
        messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'tool_use', id: 'x', name: 'n', input: {} }] }] }],
      },
      'messages[0].content[0].content[0].type',
      /supported: text, image, document, search_result\)/,
    ));
  test('a document from the Files API cannot be routed', () =>
    refused(
      { ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'file_1' } }] }] },
      'messages[0].content[0].source.type',
      /Files API|cannot be routed/,
    ));
  test('server tools', () => refused({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type', /server tool/));
  test('tool input_schema', () => refused({ ...base, tools: [{ name: 'x' }] }, 'tools[0].input_schema'));
  test('tool_choice tool needs a name', () => refused({ ...base, tool_choice: { type: 'tool' } }, 'tool_choice.name'));
  test('tool_choice type', () => refused({ ...base, tool_choice: { type: 'required' } }, 'tool_choice.type'));
  test('temperature range', () => refused({ ...base, temperature: 1.5 }, 'temperature'));
  test('mcp_servers', () => refused({ ...base, mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] }, 'mcp_servers'));

  test('validateAnthropicRequest reports instead of throwing', () => {
    const r = validateAnthropicRequest({ model: 'm', messages: [] });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.param, 'max_tokens');
  });
});
