// Cohere v2 chat stream (SSE, `data:` carries a typed event) to OpenAI
// chunks. tool-plan-delta is reasoning about which tools to call and is not
// part of the answer; tool-call-delta pieces are minified as they pass so
// the reassembled arguments equal the non-streamed ones.
// Reference: https://docs.cohere.com/docs/streaming and https://docs.cohere.com/docs/tool-use-streaming
import type { ChatChunk, Usage } from '../../openai/types';
import type { ResponseContext, StreamEvent, StreamTransformer } from '../contract';
import { isRecord, malformedResponse, tryParseJson } from '../shared/errors';
import { createJsonMinifier, type JsonMinifier } from '../shared/json-minify';
import { cohereGenerationError } from './parse-error';
import { mapCohereUsage } from './parse-response';
import type { CohereStreamEvent } from './types';
import { mapCohereFinishReason } from './map-finish-reason';
import { createStreamChunkBuilder } from '../shared/build-stream-chunk';

interface ToolState {
  index: number;
  args: JsonMinifier;
}

export function createCohereStreamTransformer(ctx: ResponseContext): StreamTransformer {
  const tools = new Map<number, ToolState>();
  let toolCount = 0;
  let done = false;
  let usage: Usage | undefined;

  const chunk = createStreamChunkBuilder(ctx);

  return {
    push(event: StreamEvent): ChatChunk[] {
      if (event.framing !== 'sse' || done) return [];
      const parsed = tryParseJson(event.data);
      if (!isRecord(parsed) || typeof parsed.type !== 'string') throw malformedResponse('Cohere', 'a stream event is not a typed JSON object');
      const e = parsed as unknown as CohereStreamEvent;
      const message = e.delta?.message;
      switch (e.type) {
        case 'message-start':
          return [chunk({ content: '' })];
        case 'content-delta': {
          const text = message?.content?.text;
          if (typeof text === 'string' && text.length > 0) return [chunk({ content: text })];
          // Reasoning models stream their thinking as content too, in `thinking` items.
          const thought = message?.content?.thinking;
          return typeof thought === 'string' && thought.length > 0 ? [chunk({ reasoning_content: thought })] : [];
        }
        case 'tool-call-start': {
          const call = message?.tool_calls;
          if (!call?.id || !call.function?.name) throw malformedResponse('Cohere', 'tool-call-start without id or name');
          const state: ToolState = { index: toolCount++, args: createJsonMinifier() };
          tools.set(e.index ?? state.index, state);
          const first = state.args.push(call.function.arguments ?? '');
          return [chunk({ tool_calls: [{ index: state.index, id: call.id, type: 'function', function: { name: call.function.name, arguments: first } }] })];
        }
        case 'tool-call-delta': {
          const state = tools.get(e.index ?? toolCount - 1);
          const piece = state ? state.args.push(message?.tool_calls?.function?.arguments ?? '') : '';
          return state && piece.length > 0 ? [chunk({ tool_calls: [{ index: state.index, function: { arguments: piece } }] })] : [];
        }
        case 'tool-call-end': {
          const state = tools.get(e.index ?? toolCount - 1);
          if (state && state.args.text() === '') {
            state.args.push('{}');
            return [chunk({ tool_calls: [{ index: state.index, function: { arguments: '{}' } }] })];
          }
          return [];
        }
        case 'message-end': {
          if (e.delta?.finish_reason === 'ERROR') throw cohereGenerationError(e.delta.error);
          done = true;
          usage = mapCohereUsage(e.delta?.usage) ?? usage;
          return [chunk({}, mapCohereFinishReason(e.delta?.finish_reason, toolCount > 0))];
        }
        default:
          // content-start, content-end, tool-plan-delta, citation-*: nothing for OpenAI clients.
          return [];
      }
    },
    end: () => [],
    usage: () => usage,
    completed: () => done,
  };
}
