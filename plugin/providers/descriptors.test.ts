// The descriptors against everything that states a provider fact on its own:
// the registry, openapi.yaml, the control plane's secret and endpoint
// validation, the price table, the outbound host policy, and what each
// translation actually does with a request. A provider added, renamed or
// changed in one place and not the others fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findProvider } from '@pydantic/genai-prices';
import { parse } from 'yaml';
import { estimateChatCost } from '../budget/estimate-cost';
import { DEFAULT_MAX_OUTPUT_TOKENS, defaultMaxOutputTokens } from '../budget/output-limits';
import { checkCredentialFields } from '../../control-plane/services/provider-credentials';
import { normalizeEndpoint } from '../../control-plane/services/endpoint-rules';
import type { Endpoint, ProviderId } from '../contract';
import type { ChatRequest, ContentPart } from '../openai/types';
import { credentialHostAllowed } from '../upstream/provider-hosts';
import { normalizeBaseUrl } from './shared/normalize-base-url';
import { GatewayError, type Target } from './contract';
import type { CredentialField } from './descriptor';
import { DESCRIPTORS } from './descriptors';
import { providers } from './index';

const ROOT = join(__dirname, '..', '..');
const openapi = parse(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8')) as {
  components: { schemas: { ProviderId: { enum: string[] }; SecretValue: { properties: Record<string, unknown> } } };
};
const ids = Object.keys(DESCRIPTORS) as ProviderId[];
const sorted = (xs: Iterable<string>) => [...xs].sort();

const CHAT_MODEL: Record<ProviderId, string> = {
  openai: 'gpt-4o',
  'azure-openai': 'gpt-4o',
  'openai-compatible': 'llama-3.1-8b',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
  bedrock: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  cohere: 'command-r-plus',
  ollama: 'llama3.1',
  mistral: 'mistral-large-latest',
};

function target(provider: ProviderId, model = CHAT_MODEL[provider]): Target {
  return {
    provider,
    model,
    credentials: { apiKey: 'k', accessKeyId: 'AKID', secretAccessKey: 'secret', region: 'us-east-1', resource: 'res' },
    options: { baseUrl: 'https://provider.example/v1' },
  };
}

/** The body the provider would be sent for `extra`, or the GatewayError it refuses it with. */
function build(provider: ProviderId, extra: Partial<ChatRequest>, content: ContentPart[] | string = 'hi'): string | GatewayError {
  const req = { model: 'endpoint', messages: [{ role: 'user', content }], ...extra } as ChatRequest;
  try {
    const { body } = providers[provider]!.chat.buildRequest(req, target(provider));
    return typeof body === 'string' ? body : new TextDecoder().decode(body);
  } catch (e) {
    if (e instanceof GatewayError) return e;
    throw e;
  }
}

function refused(result: string | GatewayError): boolean {
  return result instanceof GatewayError && result.status === 400;
}

describe('provider descriptors', () => {
  it('the registry, openapi.yaml and the descriptors name the same providers', () => {
    assert.deepEqual(sorted(Object.keys(providers)), sorted(ids));
    assert.deepEqual(sorted(openapi.components.schemas.ProviderId.enum), sorted(ids));
    for (const id of ids) assert.equal(providers[id]!.id, id);
  });

  it("openapi.yaml's SecretValue has exactly the credential fields the descriptors use", () => {
    const used = new Set(ids.flatMap((id) => [...DESCRIPTORS[id].credentials.required, ...DESCRIPTORS[id].credentials.optional]));
    assert.deepEqual(sorted(Object.keys(openapi.components.schemas.SecretValue.properties)), sorted(used));
  });

  it("the control plane takes a secret with a descriptor's fields and refuses one without a required or with a foreign field", () => {
    const all = sorted(new Set(ids.flatMap((id) => [...DESCRIPTORS[id].credentials.required, ...DESCRIPTORS[id].credentials.optional]))) as CredentialField[];
    for (const id of ids) {
      const { required, optional } = DESCRIPTORS[id].credentials;
      const value = Object.fromEntries([...required, ...optional].map((f) => [f, 'x']));
      assert.doesNotThrow(() => checkCredentialFields(id, value), id);
      for (const f of required) {
        const { [f]: _omitted, ...rest } = value;
        assert.throws(() => checkCredentialFields(id, rest), new RegExp(`value\\.${f}: is required`), `${id} without ${f}`);
      }
      for (const f of all.filter((f) => !required.includes(f) && !optional.includes(f))) {
        assert.throws(() => checkCredentialFields(id, { ...value, [f]: 'x' }), new RegExp(`value\\.${f}: is not used`), `${id} with ${f}`);
      }
    }
  });

  it('the control plane lets a destination go without a secret exactly where the descriptor says', async () => {
    for (const id of ids) {
      const input = {
        kind: 'chat' as const,
        destinations: [{ id: 'd', provider: id, model: 'm', weight: 100, options: { baseUrl: DESCRIPTORS[id].baseUrl.example } }],
      };
      const problem = await normalizeEndpoint(input, () => Promise.resolve(null)).then(
        () => undefined,
        (e: { message: string }) => e.message,
      );
      const secretMissing = /destinations\[0\]\.secret: is required/.test(problem ?? '');
      assert.equal(secretMissing, !DESCRIPTORS[id].secretOptional, `${id}: ${problem}`);
    }
  });

  it("every price-table name is a provider of @pydantic/genai-prices' table", () => {
    for (const id of ids) {
      const name = DESCRIPTORS[id].priceTable;
      // The table's own id, not an alias it also answers to: calcPrice's providerId is matched as given.
      if (name !== undefined) assert.equal(findProvider({ providerId: name })?.id, name, `${id}: ${name} is not a provider id of the price table`);
    }
  });

  it("each default base URL and example is in the provider's stored shape and on its official hosts", () => {
    for (const id of ids) {
      const { baseUrl, officialHosts } = DESCRIPTORS[id];
      for (const url of [baseUrl.default, baseUrl.example].filter((u) => u !== undefined)) {
        assert.equal(normalizeBaseUrl(id, url), url, `${id}: ${url}`);
        if (officialHosts.length > 0) assert.ok(credentialHostAllowed(id, [], new URL(url).hostname), `${id}: ${url} is not on ${officialHosts.join(', ')}`);
      }
      // Self-hosted providers have no hosts of their own; the rest must name some.
      assert.equal(officialHosts.length === 0, DESCRIPTORS[id].secretOptional, id);
    }
  });

  it("the stream framing and embeddings support are the translation's", () => {
    for (const id of ids) {
      const { capabilities } = DESCRIPTORS[id];
      const provider = providers[id]!;
      assert.equal(provider.chat.framing, capabilities.streamFraming, id);
      assert.equal(provider.embeddings !== undefined, capabilities.embeddings !== false, id);
      if (capabilities.embeddings === false) continue;
      const { maxInputs, maxInputsByFamily } = capabilities.embeddings;
      assert.equal(provider.embeddings!.maxInputs?.(target(id, 'some-embedding-model')), maxInputs, `${id}'s cap`);
      for (const [family, cap] of Object.entries(maxInputsByFamily ?? {})) {
        const model = { titan: 'amazon.titan-embed-text-v2:0', cohere: 'cohere.embed-english-v3' }[family];
        assert.ok(model, `a model of family ${family}`);
        assert.equal(provider.embeddings!.maxInputs?.(target(id, model)), cap, `${id}'s ${family} cap`);
      }
    }
  });

  it('each capability the descriptor claims is carried to the provider, and each it denies is refused or never sent', () => {
    const file: ContentPart = { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } };
    const audio: ContentPart = { type: 'input_audio', input_audio: { data: 'UklGRgAAAAA=', format: 'wav' } };
    const tools: Partial<ChatRequest> = {
      tools: [{ type: 'function', function: { name: 'look_up_weather', parameters: { type: 'object', properties: {} } } }],
    };
    const schema: Partial<ChatRequest> = {
      response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object', properties: { zz_field: { type: 'string' } } } } },
    };
    for (const id of ids) {
      const c = DESCRIPTORS[id].capabilities;
      const carried = (result: string | GatewayError, needle: string) => typeof result === 'string' && result.includes(needle);

      assert.equal(carried(build(id, tools), 'look_up_weather'), c.tools, `${id} tools`);
      assert.equal(carried(build(id, schema), 'zz_field'), c.jsonSchema, `${id} json_schema`);

      const n = build(id, { n: 2 });
      if (c.multipleChoices) assert.equal(typeof n, 'string', `${id} n=2 is built`);
      else assert.ok(refused(n) && (n as GatewayError).param === 'n', `${id} n=2 is refused`);

      const logprobs = build(id, { logprobs: true, top_logprobs: 2 });
      if (c.logprobs) assert.ok(carried(logprobs, '"logprobs":true'), `${id} logprobs`);
      else assert.ok(refused(logprobs) || !carried(logprobs, 'logprobs'), `${id} logprobs refused or never sent`);

      const a = build(id, {}, [audio]);
      if (c.audioInput) assert.ok(carried(a, 'UklGRgAAAAA='), `${id} audio`);
      else assert.ok(refused(a), `${id} audio refused`);

      const f = build(id, {}, [file]);
      if (c.files) assert.ok(carried(f, 'JVBERi0xLjQK'), `${id} file`);
      else assert.ok(refused(f), `${id} file refused`);
    }
  });

  it('each output limit is what the budget estimate reserves for its family, wherever the model is served', () => {
    const reserved = (provider: ProviderId, model: string) => {
      const destination = { id: 'd', provider, model, credentials: {}, options: {}, weight: 100, timeoutMs: 1000 };
      const endpoint = { id: 'e', name: 'e', kind: 'chat', version: 1, destinations: [destination] } as unknown as Endpoint;
      return estimateChatCost(endpoint, { model: 'e', messages: [{ role: 'user', content: 'hi' }] }).maxOutputTokens;
    };
    const makers = ids.filter((id) => DESCRIPTORS[id].outputLimits);
    assert.deepEqual(makers, ['openai', 'anthropic', 'gemini', 'cohere', 'mistral']);
    for (const id of makers) {
      for (const { models, maxTokens, example } of DESCRIPTORS[id].outputLimits ?? []) {
        assert.ok(Number.isInteger(maxTokens) && maxTokens > 0, `${id} ${String(models)}`);
        // An earlier family's pattern must not shadow this one.
        assert.equal(defaultMaxOutputTokens(example), maxTokens, `${id}: ${example}`);
        assert.equal(reserved(id, example), maxTokens, `${id}: ${example} reserved`);
      }
    }
    const makersLimit = (maker: ProviderId, model: string) => DESCRIPTORS[maker].outputLimits?.find((l) => l.models.test(model))?.maxTokens;
    const served: Array<[ProviderId, string, ProviderId]> = [
      ['bedrock', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic'],
      ['bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic'],
      ['bedrock', 'cohere.command-r-plus-v1:0', 'cohere'],
      ['bedrock', 'mistral.mistral-large-2402-v1:0', 'mistral'],
      ['azure-openai', 'gpt-4o', 'openai'],
      ['openai-compatible', 'openai/gpt-5', 'openai'],
      ['ollama', 'mistral', 'mistral'],
    ];
    for (const [provider, model, maker] of served) {
      const limit = makersLimit(maker, model);
      assert.ok(limit, `${model} is one of ${maker}'s families`);
      assert.equal(reserved(provider, model), limit, `${provider}: ${model}`);
    }
    assert.equal(reserved('ollama', 'llama3.1'), DEFAULT_MAX_OUTPUT_TOKENS);
  });
});
