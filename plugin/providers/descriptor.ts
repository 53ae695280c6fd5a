// What the gateway knows about a provider apart from how to translate for
// it, as data: which secret fields it takes, where requests go by default and
// how options.baseUrl is read, which hosts its credentials may reach, its name
// in the price table, how long its models' answers can be, and what the
// translation carries. One descriptor per
// provider folder (`<id>/descriptor.ts`), collected in descriptors.ts; the
// control plane's validation, the outbound host policy, pricing and the
// translation read them, and descriptors.test.ts fails when the registry,
// openapi.yaml or those readers disagree with them.
import type { Credentials } from '../contract';
import type { StreamFraming } from './contract';

export type CredentialField = keyof Credentials;

export interface BaseUrlRule {
  /** Where requests go when options.baseUrl is not set (none: the destination must set it, or it comes from credentials). */
  default?: string;
  shape: 'versioned' | 'root';
  /** Path suffixes the gateway appends itself (root) or the version a bare host gets (versioned), most specific first. */
  suffixes: readonly RegExp[];
  /** Shown in the providers table (README) and in errors. */
  example: string;
}

export interface ProviderCapabilities {
  /** Function tools (tools / tool_choice) reach the model. */
  tools: boolean;
  /** response_format json_schema is honoured (natively or by the provider's equivalent). */
  jsonSchema: boolean;
  /** How the provider frames a streamed body. */
  streamFraming: StreamFraming;
  /** n > 1 is carried (otherwise refused with a 400 naming `n`). */
  multipleChoices: boolean;
  /** logprobs / top_logprobs are carried (otherwise refused or, where the wire format has no such field, never returned). */
  logprobs: boolean;
  /** input_audio content parts are carried. */
  audioInput: boolean;
  /** file content parts (inline PDFs, text) are carried. */
  files: boolean;
  /**
   * Embeddings: false when the provider has no embeddings API; otherwise the
   * most inputs one call takes (the gateway splits larger requests): one cap
   * for every model, per model family where they differ (Bedrock), none.
   */
  embeddings: false | { maxInputs?: number; maxInputsByFamily?: Readonly<Record<string, number>> };
}

/** A model family's published maximum output tokens. */
export interface OutputLimit {
  models: RegExp;
  maxTokens: number;
  /** A model of the family (descriptors.test.ts checks it resolves to this limit, not an earlier family's). */
  example: string;
}

export interface ProviderDescriptor {
  /** Human name, as in error messages. */
  name: string;
  credentials: { required: readonly CredentialField[]; optional: readonly CredentialField[] };
  /** A destination of this provider may go without a secret (self-hosted servers). */
  secretOptional: boolean;
  baseUrl: BaseUrlRule;
  /** Hosts its credentials may be sent to without the secret listing them; `*` is one DNS label. */
  officialHosts: readonly string[];
  /** The provider's id in @pydantic/genai-prices (none: models are looked up across the table). */
  priceTable?: string;
  /**
   * The most one answer can hold, per model family this provider makes (its
   * model pages, 2025), first match wins: what a budget reservation assumes
   * for a request without max_tokens (budget/output-limits.ts). Providers that
   * serve other makers' models (Azure, Bedrock, Ollama, any /v1 server) list
   * none: a model is looked up in every maker's list, as prices are.
   */
  outputLimits?: readonly OutputLimit[];
  capabilities: ProviderCapabilities;
}
