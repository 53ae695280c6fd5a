// OpenAI chat request to Gemini generateContent / streamGenerateContent.
// Reference: https://ai.google.dev/api/generate-content
import type { ChatRequest, FunctionTool } from '../../openai/types';
import { GatewayError, type Target, type UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { portableTools, type PortableToolChoice } from '../shared/portable-tools';
import { refuseOpenAiOnlyFeatures } from '../shared/refuse-openai-only-features';
import { convertJsonSchemaToGemini, convertToolParameters } from './convert-json-schema';
import { convertToGeminiContents } from './convert-to-gemini-contents';
import { geminiThinkingConfig } from './build-thinking-config';
import type { GeminiGenerateContentRequest, GeminiGenerationConfig, GeminiTool, GeminiToolConfig } from './types';
import { BASE_URL_RULES } from '../shared/normalize-base-url';

export const GEMINI_DEFAULT_BASE_URL = BASE_URL_RULES.gemini.default!;
const DEFAULT_API_VERSION = 'v1beta';
const OWN_HEADERS = new Set(['content-type', 'x-goog-api-key', 'authorization']);

/** `gemini-2.0-flash` → `models/gemini-2.0-flash`; full resource names (`tunedModels/x`) are kept. */
export function geminiModelResource(model: string): string {
  return model.includes('/') ? model : `models/${model}`;
}

export function geminiUrl(target: Target, method: string, query = ''): string {
  const base = (target.options.baseUrl ?? GEMINI_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const version = target.options.apiVersion ?? DEFAULT_API_VERSION;
  const resource = geminiModelResource(target.model).split('/').map(encodeURIComponent).join('/');
  return `${base}/${version}/${resource}:${method}${query}`;
}

export function geminiHeaders(target: Target): Record<string, string> {
  const apiKey = target.credentials.apiKey;
  if (!apiKey) throw new GatewayError('The Gemini destination has no API key configured', 500, 'server_error', 'missing_credentials', null);
  // Configured extra headers must never replace the credential, whatever their case.
  const extra = Object.entries(target.options.headers ?? {}).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));
  return { ...Object.fromEntries(extra), 'content-type': 'application/json', 'x-goog-api-key': apiKey };
}

function convertTools(tools: FunctionTool[]): GeminiTool[] | undefined {
  if (tools.length === 0) return undefined;
  return [
    {
      functionDeclarations: tools.map((tool) => {
        const parameters = convertToolParameters(tool.function.parameters);
        return {
          name: tool.function.name,
          ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
          ...(parameters !== undefined ? { parameters } : {}),
        };
      }),
    },
  ];
}

function convertToolChoice(choice: PortableToolChoice | undefined): GeminiToolConfig | undefined {
  if (choice === undefined) return undefined;
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
}

function convertGenerationConfig(req: ChatRequest, model: string): GeminiGenerationConfig | undefined {
  const config: GeminiGenerationConfig = {};
  if (req.temperature !== undefined) config.temperature = req.temperature;
  if (req.top_p !== undefined) config.topP = req.top_p;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (req.stop !== undefined) config.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.seed !== undefined) config.seed = req.seed;
  if (req.n !== undefined && req.n !== 1) config.candidateCount = req.n;
  if (req.presence_penalty !== undefined) config.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty !== undefined) config.frequencyPenalty = req.frequency_penalty;
  const format = req.response_format;
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (format.json_schema.schema) config.responseSchema = convertJsonSchemaToGemini(format.json_schema.schema);
  }
  const thinking = geminiThinkingConfig(req, model);
  if (thinking) config.thinkingConfig = thinking;
  return Object.keys(config).length > 0 ? config : undefined;
}

export function buildGeminiBody(req: ChatRequest, model = ''): GeminiGenerateContentRequest {
  refuseOpenAiOnlyFeatures(req, 'Gemini');
  const prompt = convertToGeminiContents(req.messages);
  if (prompt.contents.length === 0) throw invalidRequest('At least one user or assistant message is required', 'messages');
  const portable = portableTools(req, 'Gemini');
  const tools = convertTools(portable.tools);
  const toolConfig = tools ? convertToolChoice(portable.choice) : undefined;
  const generationConfig = convertGenerationConfig(req, model);
  return {
    ...(prompt.systemInstruction ? { systemInstruction: prompt.systemInstruction } : {}),
    contents: prompt.contents,
    ...(tools ? { tools } : {}),
    ...(toolConfig ? { toolConfig } : {}),
    ...(generationConfig ? { generationConfig } : {}),
  };
}

export function buildGeminiChatRequest(req: ChatRequest, target: Target): UpstreamRequest {
  const url = req.stream ? geminiUrl(target, 'streamGenerateContent', '?alt=sse') : geminiUrl(target, 'generateContent');
  return { url, method: 'POST', headers: geminiHeaders(target), body: JSON.stringify(buildGeminiBody(req, target.model)) };
}
