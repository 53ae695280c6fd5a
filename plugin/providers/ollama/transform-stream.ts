// Ollama /api/chat with stream: true — newline-delimited JSON objects, the
// last one with done: true, done_reason and the token counts. Tool calls
// arrive whole; each becomes one delta with an id and the next index.
import type { ChatChunk, Usage } from '../../openai/types';
import type { ResponseContext, StreamEvent, StreamTransformer } from '../contract';
import { malformedResponse, tryParseJson } from '../shared/errors';
import { asOllamaResponse, mapOllamaUsage, toToolCall } from './parse-response';
import { mapOllamaDoneReason } from './map-finish-reason';
import { createStreamChunkBuilder } from '../shared/build-stream-chunk';

export function createOllamaStreamTransformer(ctx: ResponseContext): StreamTransformer {
  let toolCount = 0;
  let done = false;
  let usage: Usage | undefined;
  let model = ctx.model;

  const chunk = createStreamChunkBuilder(ctx, () => model);

  return {
    push(event: StreamEvent): ChatChunk[] {
      if (event.framing !== 'ndjson' || done) return [];
      const parsed = tryParseJson(event.line);
      if (parsed === undefined) throw malformedResponse('Ollama', 'a stream line is not valid JSON');
      const response = asOllamaResponse(parsed);
      if (response.model) model = response.model;
      const out: ChatChunk[] = [];
      const thinking = response.message?.thinking;
      if (typeof thinking === 'string' && thinking.length > 0) out.push(chunk({ reasoning_content: thinking }));
      const text = response.message?.content;
      if (typeof text === 'string' && text.length > 0) out.push(chunk({ content: text }));
      for (const call of response.message?.tool_calls ?? []) {
        const whole = toToolCall(call, ctx);
        out.push(chunk({ tool_calls: [{ index: toolCount++, id: whole.id, type: 'function', function: whole.function }] }));
      }
      if (response.done === true) {
        done = true;
        usage = mapOllamaUsage(response) ?? usage;
        out.push(chunk({}, mapOllamaDoneReason(response.done_reason, toolCount > 0)));
      }
      return out;
    },
    end: () => [],
    usage: () => usage,
    completed: () => done,
  };
}
