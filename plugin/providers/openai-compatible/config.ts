// What distinguishes one OpenAI-compatible provider from another. A new
// provider that speaks OpenAI is one of these plus a line in the registry:
//
//   export const groq = createOpenAICompatibleProvider({
//     id: 'openai-compatible', name: 'Groq',
//     baseUrl: 'https://api.groq.com/openai/v1',
//     auth: { kind: 'bearer' },
//     params: { n: { drop: true }, max_tokens: { rename: 'max_completion_tokens' } },
//   });
import type { ProviderId } from '../../contract';
import type { Role } from '../../openai/types';
import type { Target } from '../contract';
import type { ParamTable } from './apply-param-table';

export type AuthStyle =
  /** `Authorization: Bearer <apiKey>` (OpenAI, Mistral, Groq, Together, DeepSeek, vLLM --api-key) */
  | { kind: 'bearer' }
  /** A named header carrying the raw key (Azure: `api-key`). */
  | { kind: 'header'; name: string };

export interface CompatibleConfig {
  id: ProviderId;
  /** Human name used in error messages. */
  name: string;
  /** Default base URL including the version segment (e.g. https://api.openai.com/v1); options.baseUrl overrides. */
  baseUrl?: string;
  auth: AuthStyle;
  /** Renames/drops/clamps for chat fields. */
  params?: ParamTable;
  /** Renames/drops for embeddings fields; omit `embeddings` support with `embeddings: false`. */
  embeddingParams?: ParamTable;
  embeddings?: boolean;
  /** Roles the provider does not know, mapped to ones it does (e.g. developer -> system). */
  roles?: Partial<Record<Role, Role>>;
  /** Send request fields the gateway does not model (e.g. metadata, service_tier) unchanged. OpenAI/Azure: yes. */
  passUnknownFields?: boolean;
  /**
   * Which message fields go upstream. `openai`: only those OpenAI documents
   * (OpenAI refuses others, e.g. Anthropic's cache_control or DeepSeek's
   * reasoning_content). `all`: everything but the gateway's own
   * provider_state, for servers that read extras (DeepSeek wants
   * reasoning_content back on tool-call turns; a LiteLLM proxy reads
   * cache_control and thinking_blocks).
   */
  messageFields: 'openai' | 'all';
  /** Resolve OpenAI-only tool forms (custom tools, allowed_tools) for servers that know function tools only. */
  functionToolsOnly?: boolean;
  /** Full URL builder when the path is not `<base>/chat/completions` (Azure deployments). */
  url?: (target: Target, route: 'chat' | 'embeddings') => string;
}
