// The OpenAI-compatible base: every provider that speaks OpenAI's chat
// completions is this factory plus a CompatibleConfig (see config.ts).
import type { Provider } from '../contract';
import { DESCRIPTORS } from '../descriptors';
import type { CompatibleConfig } from './config';
import { parseCompatibleError } from './parse-error';
import { buildChatRequest, buildEmbeddingsRequest } from './build-request';
import { parseChatResponse, parseEmbeddingsResponse } from './parse-response';
import { createCompatibleStreamTransformer } from './transform-stream';

export type { CompatibleConfig, AuthStyle } from './config';
export type { ParamRule, ParamTable } from './apply-param-table';

export function createOpenAICompatibleProvider(config: CompatibleConfig): Provider {
  const provider: Provider = {
    id: config.id,
    chat: {
      framing: DESCRIPTORS[config.id].capabilities.streamFraming,
      buildRequest: (req, target) => buildChatRequest(req, target, config),
      parseResponse: (body, ctx) => parseChatResponse(body, ctx, config.name),
      createStreamTransformer: (ctx, req) => createCompatibleStreamTransformer(ctx, req, config.name),
    },
    parseError: (status, body, headers) => parseCompatibleError(config.name, status, body, headers),
  };
  if (config.embeddings !== false) {
    provider.embeddings = {
      buildRequest: (req, target) => buildEmbeddingsRequest(req, target, config),
      parseResponse: (body, ctx) => parseEmbeddingsResponse(body, ctx, config.name),
    };
  }
  return provider;
}

/**
 * Any server with OpenAI's `/v1` API (vLLM, Ollama `/v1`, LM Studio, Together,
 * DeepSeek, Groq...). The destination must set options.baseUrl (including
 * `/v1`). Conservative table: `developer` becomes `system` and
 * max_completion_tokens becomes max_tokens, the names every such server knows;
 * message extras (reasoning_content, cache_control, thinking_blocks) pass,
 * as the servers that read them want them.
 */
export const openAICompatibleProvider = createOpenAICompatibleProvider({
  id: 'openai-compatible',
  name: 'OpenAI-compatible provider',
  auth: { kind: 'bearer' },
  roles: { developer: 'system' },
  params: { max_completion_tokens: { rename: 'max_tokens' } },
  messageFields: 'all',
  functionToolsOnly: true,
});
