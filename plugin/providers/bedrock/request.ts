// OpenAI chat request to Bedrock Converse / ConverseStream.
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
import type { ChatRequest, FunctionTool, ToolChoice } from '../../openai/types';
import type { Target, UpstreamRequest } from '../contract';
import { invalidRequest } from '../shared/errors';
import { JSON_OBJECT_INSTRUCTION } from '../shared/json-object-instruction';
import { convertToBedrockMessages } from './convert-to-bedrock-messages';
import { bedrockHeaders, bedrockModelUrl } from './endpoint';
import type { BedrockConverseRequest, BedrockToolChoice, BedrockToolSpec } from './types';

function convertTools(tools: FunctionTool[]): BedrockToolSpec[] {
  return tools.map((tool) => ({
    toolSpec: {
      name: tool.function.name,
      ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
      inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
    },
  }));
}

function convertToolChoice(choice: ToolChoice | undefined): BedrockToolChoice | undefined {
  if (choice === undefined || choice === 'none') return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  return { tool: { name: choice.function.name } };
}

export function buildConverseBody(req: ChatRequest): BedrockConverseRequest {
  if (req.n !== undefined && req.n > 1) throw invalidRequest('Bedrock returns one choice per request; n must be 1', 'n');
  const prompt = convertToBedrockMessages(req.messages);
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
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== undefined) inference.maxTokens = maxTokens;
  if (req.temperature !== undefined) inference.temperature = req.temperature;
  if (req.top_p !== undefined) inference.topP = req.top_p;
  if (req.stop !== undefined) inference.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;

  const tools = req.tools ?? [];
  // Converse has no "none" tool choice. Tools are left out instead, unless the
  // history holds tool blocks, in which case Converse requires toolConfig.
  const sendTools = tools.length > 0 && (req.tool_choice !== 'none' || prompt.hasToolBlocks);
  if (sendTools) {
    const toolChoice = convertToolChoice(req.tool_choice);
    body.toolConfig = { tools: convertTools(tools), ...(toolChoice ? { toolChoice } : {}) };
  }
  return body;
}

export function buildBedrockChatRequest(req: ChatRequest, target: Target): UpstreamRequest {
  const stream = req.stream === true;
  return {
    url: bedrockModelUrl(target, stream ? 'converse-stream' : 'converse'),
    method: 'POST',
    headers: bedrockHeaders(target, stream ? 'application/vnd.amazon.eventstream' : 'application/json'),
    body: JSON.stringify(buildConverseBody(req)),
  };
}
