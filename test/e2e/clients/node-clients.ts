// The Node clients of the matrix, each written the way its documentation
// shows a tool loop: the official `openai` SDK (chat.completions with tools),
// `@anthropic-ai/sdk` on the gateway's Anthropic route, and the Vercel AI SDK
// (generateText / streamText with a tool and multi-step) through
// `@ai-sdk/openai` (its .chat() model) and `@ai-sdk/openai-compatible`.
// They run the conversation of python/conversation.py in this process.
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, stepCountIs, streamText, tool, type LanguageModel, type ModelMessage } from 'ai';
import OpenAI from 'openai';
import { firstQuestion, followUp, TOOL_DESCRIPTION, WEATHER_PARAMETERS, weatherReport, type Cell } from './cells';

export interface GatewayUrls {
  openai: string;
  anthropic: string;
}

/** Records the tool's calls; returns what the tool returns. */
export class ToolLog {
  readonly calls: Array<{ city: string }> = [];
  getWeather(city: string): string {
    this.calls.push({ city });
    return weatherReport(city);
  }
}

export type NodeClient = (cell: Cell, urls: GatewayUrls, log: ToolLog) => Promise<string[]>;

const MAX_STEPS = 4;

// ---- openai (Node) ----

const OPENAI_TOOLS: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: TOOL_DESCRIPTION, parameters: WEATHER_PARAMETERS } },
];

async function openAIStep(
  client: OpenAI,
  cell: Cell,
  messages: OpenAI.ChatCompletionMessageParam[],
): Promise<OpenAI.ChatCompletionMessageParam & { role: 'assistant' }> {
  if (!cell.stream) {
    const completion = await client.chat.completions.create({ model: cell.model, messages, tools: OPENAI_TOOLS });
    return completion.choices[0]!.message;
  }
  const stream = await client.chat.completions.create({ model: cell.model, messages, tools: OPENAI_TOOLS, stream: true });
  let content = '';
  const calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta;
    if (!delta) continue;
    content += delta.content ?? '';
    for (const tc of delta.tool_calls ?? []) {
      const call = (calls[tc.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (tc.id) call.id = tc.id;
      if (tc.function?.name) call.function.name += tc.function.name;
      if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
    }
  }
  return { role: 'assistant', content: content || null, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
}

async function openAITurn(client: OpenAI, cell: Cell, messages: OpenAI.ChatCompletionMessageParam[], log: ToolLog): Promise<string> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const message = await openAIStep(client, cell, messages);
    messages.push(message);
    const calls = 'tool_calls' in message ? (message.tool_calls ?? []) : [];
    if (calls.length === 0) return typeof message.content === 'string' ? message.content : '';
    for (const call of calls) {
      if (call.type !== 'function') throw new Error(`unexpected tool call type ${call.type}`);
      const args = JSON.parse(call.function.arguments) as { city: string };
      messages.push({ role: 'tool', tool_call_id: call.id, content: log.getWeather(args.city) });
    }
  }
  throw new Error(`no final answer after ${MAX_STEPS} steps`);
}

export const openAINode: NodeClient = async (cell, urls, log) => {
  const client = new OpenAI({ baseURL: urls.openai, apiKey: 'unused' });
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: firstQuestion(cell) }];
  const first = await openAITurn(client, cell, messages, log);
  messages.push({ role: 'user', content: followUp(cell) });
  return [first, await openAITurn(client, cell, messages, log)];
};

// ---- @anthropic-ai/sdk on /gateway/anthropic ----

const ANTHROPIC_TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', description: TOOL_DESCRIPTION, input_schema: WEATHER_PARAMETERS as unknown as Anthropic.Tool.InputSchema },
];

async function anthropicTurn(client: Anthropic, cell: Cell, messages: Anthropic.MessageParam[], log: ToolLog): Promise<string> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const params = { model: cell.model, max_tokens: 1024, messages, tools: ANTHROPIC_TOOLS };
    const message = cell.stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
    messages.push({ role: 'assistant', content: message.content });
    if (message.stop_reason !== 'tool_use') {
      return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    }
    const results: Anthropic.ToolResultBlockParam[] = [];
    for (const block of message.content) {
      if (block.type !== 'tool_use') continue;
      results.push({ type: 'tool_result', tool_use_id: block.id, content: log.getWeather((block.input as { city: string }).city) });
    }
    messages.push({ role: 'user', content: results });
  }
  throw new Error(`no final answer after ${MAX_STEPS} steps`);
}

export const anthropicNode: NodeClient = async (cell, urls, log) => {
  const client = new Anthropic({ baseURL: urls.anthropic, apiKey: 'unused' });
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: firstQuestion(cell) }];
  const first = await anthropicTurn(client, cell, messages, log);
  messages.push({ role: 'user', content: followUp(cell) });
  return [first, await anthropicTurn(client, cell, messages, log)];
};

// ---- Vercel AI SDK ----

function weatherTools(log: ToolLog) {
  return {
    get_weather: tool({
      description: TOOL_DESCRIPTION,
      inputSchema: jsonSchema<{ city: string }>(WEATHER_PARAMETERS as never),
      execute: async ({ city }: { city: string }) => log.getWeather(city),
    }),
  };
}

async function vercelTurn(model: LanguageModel, cell: Cell, messages: ModelMessage[], log: ToolLog): Promise<string> {
  const options = { model, messages, tools: weatherTools(log), stopWhen: stepCountIs(MAX_STEPS), maxRetries: 0 };
  if (!cell.stream) {
    const result = await generateText(options);
    messages.push(...result.response.messages);
    return result.text;
  }
  let failure: unknown;
  const result = streamText({ ...options, onError: ({ error }) => void (failure = error) });
  const text = await result.text;
  if (failure) throw failure instanceof Error ? failure : new Error(typeof failure === 'string' ? failure : JSON.stringify(failure));
  messages.push(...(await result.response).messages);
  return text;
}

function vercelClient(makeModel: (urls: GatewayUrls, endpoint: string) => LanguageModel): NodeClient {
  return async (cell, urls, log) => {
    const model = makeModel(urls, cell.model);
    const messages: ModelMessage[] = [{ role: 'user', content: firstQuestion(cell) }];
    const first = await vercelTurn(model, cell, messages, log);
    messages.push({ role: 'user', content: followUp(cell) });
    return [first, await vercelTurn(model, cell, messages, log)];
  };
}

export const vercelOpenAI = vercelClient((urls, endpoint) => createOpenAI({ baseURL: urls.openai, apiKey: 'unused' }).chat(endpoint));
export const vercelCompatible = vercelClient((urls, endpoint) => createOpenAICompatible({ name: 'gateway', baseURL: urls.openai, apiKey: 'unused' })(endpoint));
