// OpenAI chat request to Bedrock Converse / ConverseStream.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
import type { ChatRequest, FunctionTool } from '../../openai/types';
import type { Target, UpstreamRequest } from '../contract';
import { claudeCanThink, planClaudeThinking } from '../shared/claude-thinking';
import { invalidRequest } from '../shared/errors';
import { toolsFromHistory } from '../shared/history-tools';
import { JSON_OBJECT_INSTRUCTION } from '../shared/json-object-instruction';
import { portableTools, type PortableToolChoice } from '../shared/portable-tools';
import { refuseOpenAiOnlyFeatures } from '../shared/refuse-openai-only-features';
import { convertToBedrockMessages, hasSignedReasoning } from './convert-to-bedrock-messages';
import { bedrockHeaders, bedrockModelUrl } from './build-endpoint';
import type { BedrockConverseRequest, BedrockTool, BedrockToolChoice } from './types';

/** What Converse sends as Claude's maxTokens when the request sets none (Anthropic's own default). */
const CLAUDE_DEFAULT_MAX_TOKENS = 4096;

/**
 * Models with prompt caching on Bedrock (cachePoint blocks): Claude 3.5
 * Haiku, 3.7 Sonnet and 4, and Amazon Nova. Others refuse cachePoint, so
 * cache markers are dropped for them.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html
 */
export function bedrockCaches(model: string): boolean {
  return /anthropic\.claude-(3-5-haiku|3-7|(sonnet|opus|haiku)-4)|amazon\.nova/.test(model.toLowerCase());
}

function convertTools(tools: FunctionTool[], cachePoints: boolean): BedrockTool[] {
  return tools.flatMap((tool): BedrockTool[] => {
    const spec: BedrockTool = {
      toolSpec: {
        name: tool.function.name,
        ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
        inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
      },
    };
    return cachePoints && tool.cache_control ? [spec, { cachePoint: { type: 'default' } }] : [spec];
  });
}

function convertToolChoice(choice: PortableToolChoice | undefined): BedrockToolChoice | undefined {
  if (choice === undefined || choice === 'none') return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  return { tool: { name: choice.name } };
}

export function buildConverseBody(req: ChatRequest, model = ''): BedrockConverseRequest {
  if (req.n !== undefined && req.n > 1) throw invalidRequest('Bedrock returns one choice per request; n must be 1', 'n');
  refuseOpenAiOnlyFeatures(req, 'Bedrock');
  // Claude's extended thinking on Bedrock follows Anthropic's rules (see claude-thinking.ts).
  const thinking = claudeCanThink(model) ? planClaudeThinking(req, model, CLAUDE_DEFAULT_MAX_TOKENS, hasSignedReasoning) : undefined;
  const cachePoints = bedrockCaches(model);
  const prompt = convertToBedrockMessages(req.messages, { cachePoints, reasoning: thinking !== undefined });
  if (prompt.messages.length === 0) throw invalidRequest('At least one user message is required', 'messages');
  // Converse has a JSON-schema mode but no schema-less JSON mode: json_object becomes an instruction.
  if (req.response_format?.type === 'json_object') prompt.system.push({ text: JSON_OBJECT_INSTRUCTION });

  const body: BedrockConverseRequest = { messages: prompt.messages };
  if (prompt.system.length > 0) body.system = prompt.system;
  if (req.response_format?.type === 'json_schema') {
    // Structured output (outputConfig.textFormat): the answer is JSON text in a text block.
    const { schema, name, description } = req.response_format.json_schema;
    body.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(schema ?? { type: 'object' }), name, ...(description !== undefined ? { description } : {}) } },
      },
    };
  }

  const inference: NonNullable<BedrockConverseRequest['inferenceConfig']> = {};
  const maxTokens = thinking?.maxTokens ?? req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  if (thinking) {
    body.additionalModelRequestFields = { thinking: { type: 'enabled', budget_tokens: thinking.budgetTokens } };
    if (req.top_p !== undefined && req.top_p >= 0.95) inference.topP = req.top_p;
  } else {
    if (req.temperature !== undefined) inference.temperature = req.temperature;
    if (req.top_p !== undefined) inference.topP = req.top_p;
  }
  if (req.stop !== undefined) inference.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const portable = portableTools(req, 'Bedrock');
  // Converse has no "none" tool choice. Tools are left out instead, unless the
  // history holds tool blocks, in which case Converse requires toolConfig
  // (with the history's own tools when the request declares none, see history-tools.ts).
  const tools = portable.tools.length > 0 ? portable.tools : prompt.hasToolBlocks ? toolsFromHistory(req.messages) : [];
  const sendTools = tools.length > 0 && (portable.choice !== 'none' || prompt.hasToolBlocks);
  if (sendTools) {
    const toolChoice = portable.tools.length > 0 ? convertToolChoice(portable.choice) : undefined;
    body.toolConfig = { tools: convertTools(tools, cachePoints), ...(toolChoice ? { toolChoice } : {}) };
  }
  limitCachePoints(body);
  return body;
}

/** Claude on Bedrock takes at most 4 cache checkpoints; the last 4 in prompt order are kept (as for Anthropic). */
function limitCachePoints(body: BedrockConverseRequest, max = 4): void {
  const lists = [body.toolConfig?.tools ?? [], body.system ?? [], ...body.messages.map((m) => m.content)] as Array<Array<{ cachePoint?: unknown }>>;
  const points = lists.flatMap((list) => list.filter((b) => b.cachePoint).map((b) => ({ list, b })));
  for (const { list, b } of points.slice(0, Math.max(0, points.length - max))) list.splice(list.indexOf(b), 1);
}

export function buildBedrockChatRequest(req: ChatRequest, target: Target): UpstreamRequest {
  const stream = req.stream === true;
  return {
    url: bedrockModelUrl(target, stream ? 'converse-stream' : 'converse'),
    method: 'POST',
    headers: bedrockHeaders(target, stream ? 'application/vnd.amazon.eventstream' : 'application/json'),
    body: JSON.stringify(buildConverseBody(req, target.model)),
  };
}
