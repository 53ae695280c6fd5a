// ConverseStream (binary AWS event stream, decoded by the shared framing) to
// OpenAI chunks. Tool input arrives as JSON text pieces in contentBlockDelta
// events; it is forwarded piece by piece with insignificant whitespace
// removed, so the client's concatenation equals the non-streamed response's
// JSON.stringify(input).
// Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
import type { ChatChunk, FinishReason, Usage } from '../../openai/types';
import type { ResponseContext, StreamEvent, StreamTransformer } from '../contract';
import { isRecord, malformedResponse, tryParseJson } from '../shared/errors';
import { createJsonMinifier, type JsonMinifier } from '../shared/json-minify';
import { bedrockStreamException } from './parse-error';
import { mapBedrockStopReason } from './map-finish-reason';
import { mapBedrockUsage } from './parse-response';
import type { BedrockStreamPayloads } from './types';
import { createStreamChunkBuilder } from '../shared/build-stream-chunk';

interface ToolBlock {
  index: number;
  args: JsonMinifier;
}

export function createBedrockStreamTransformer(ctx: ResponseContext): StreamTransformer {
  const toolBlocks = new Map<number, ToolBlock>();
  let toolCount = 0;
  let finishReason: FinishReason | undefined;
  let finished = false;
  let usage: Usage | undefined;

  const chunk = createStreamChunkBuilder(ctx);

  const payloadOf = <K extends keyof BedrockStreamPayloads>(event: { payload: string }, type: K): BedrockStreamPayloads[K] => {
    const parsed = tryParseJson(event.payload);
    if (!isRecord(parsed)) throw malformedResponse('Bedrock', `${type} event payload is not a JSON object`);
    return parsed as unknown as BedrockStreamPayloads[K];
  };

  return {
    push(event: StreamEvent): ChatChunk[] {
      if (event.framing !== 'aws-eventstream') return [];
      const messageType = event.headers[':message-type'];
      if (messageType === 'exception') throw bedrockStreamException(event.headers[':exception-type'], event.payload);
      if (messageType === 'error') {
        throw bedrockStreamException(event.headers[':error-code'], JSON.stringify({ message: event.headers[':error-message'] ?? '' }));
      }
      switch (event.headers[':event-type']) {
        case 'messageStart':
          return chunk.started ? [] : [chunk({ content: '' })];
        case 'contentBlockStart': {
          const p = payloadOf(event, 'contentBlockStart');
          const toolUse = p.start?.toolUse;
          if (!toolUse) return [];
          const block: ToolBlock = { index: toolCount++, args: createJsonMinifier() };
          toolBlocks.set(p.contentBlockIndex, block);
          return [chunk({ tool_calls: [{ index: block.index, id: toolUse.toolUseId, type: 'function', function: { name: toolUse.name, arguments: '' } }] })];
        }
        case 'contentBlockDelta': {
          const p = payloadOf(event, 'contentBlockDelta');
          if (typeof p.delta?.text === 'string' && p.delta.text.length > 0) return [chunk({ content: p.delta.text })];
          // Claude's thinking, in the same pieces the Anthropic translation sends (see ChunkDelta.thinking_blocks).
          const r = p.delta?.reasoningContent;
          if (typeof r?.text === 'string' && r.text !== '')
            return [chunk({ reasoning_content: r.text, thinking_blocks: [{ type: 'thinking', thinking: r.text }] })];
          if (typeof r?.signature === 'string') return [chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: r.signature }] })];
          if (typeof r?.redactedContent === 'string') return [chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: r.redactedContent }] })];
          const input = p.delta?.toolUse?.input;
          const block = toolBlocks.get(p.contentBlockIndex);
          if (typeof input === 'string' && block) {
            const piece = block.args.push(input);
            if (piece.length > 0) return [chunk({ tool_calls: [{ index: block.index, function: { arguments: piece } }] })];
          }
          return [];
        }
        case 'contentBlockStop': {
          const block = toolBlocks.get(payloadOf(event, 'contentBlockStop').contentBlockIndex);
          // A tool without arguments streams no input at all; "{}" keeps the
          // reassembled arguments equal to the non-streamed response's.
          if (block && block.args.text() === '') {
            block.args.push('{}');
            return [chunk({ tool_calls: [{ index: block.index, function: { arguments: '{}' } }] })];
          }
          return [];
        }
        case 'messageStop': {
          finishReason = mapBedrockStopReason(payloadOf(event, 'messageStop').stopReason, toolCount > 0);
          finished = true;
          return [chunk({}, finishReason)];
        }
        case 'metadata': {
          usage = mapBedrockUsage(payloadOf(event, 'metadata').usage) ?? usage;
          return [];
        }
        default:
          return [];
      }
    },
    end(): ChatChunk[] {
      return [];
    },
    usage: () => usage,
    completed: () => finished,
  };
}
