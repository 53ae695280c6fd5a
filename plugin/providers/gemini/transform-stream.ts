// streamGenerateContent?alt=sse: every `data:` event is a whole
// GenerateContentResponse holding only the new parts. Function calls arrive
// whole, so each becomes one tool-call delta carrying the complete arguments.
// Reference: https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
import type { ChatChunk, ChunkDelta, FinishReason, Usage } from '../../openai/types';
import type { ResponseContext, StreamEvent, StreamTransformer } from '../contract';
import { mapGeminiFinishReason } from './map-finish-reason';
import { toProviderState } from './carry-thought-signatures';
import { asGeminiResponse, invalidGeminiResponse, mapGeminiUsage } from './parse-response';
import type { GeminiCandidate, GeminiProviderState } from './types';

interface CandidateState {
  started: boolean;
  toolCallCount: number;
  finished: boolean;
}

export function createGeminiStreamTransformer(ctx: ResponseContext): StreamTransformer {
  const candidates = new Map<number, CandidateState>();
  let usage: Usage | undefined;
  let model = ctx.model;
  let completed = false;

  const chunk = (index: number, delta: ChunkDelta, finishReason: FinishReason | null = null): ChatChunk => ({
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model,
    choices: [{ index, delta, finish_reason: finishReason, logprobs: null }],
  });

  const stateOf = (index: number): CandidateState => {
    let state = candidates.get(index);
    if (!state) {
      state = { started: false, toolCallCount: 0, finished: false };
      candidates.set(index, state);
    }
    return state;
  };

  const withRole = (state: CandidateState, delta: ChunkDelta): ChunkDelta => {
    if (state.started) return delta;
    state.started = true;
    return { role: 'assistant', ...delta };
  };

  const convertCandidate = (candidate: GeminiCandidate, position: number): ChatChunk[] => {
    const index = candidate.index ?? position;
    const state = stateOf(index);
    if (state.finished) return [];
    const out: ChatChunk[] = [];
    for (const part of candidate.content?.parts ?? []) {
      if (part.thought === true) {
        const delta: ChunkDelta = typeof part.text === 'string' && part.text !== '' ? { reasoning_content: part.text } : {};
        const signed = part.thoughtSignature !== undefined ? toProviderState({ textSignature: part.thoughtSignature }) : undefined;
        if (signed) delta.provider_state = signed;
        if (Object.keys(delta).length > 0) out.push(chunk(index, withRole(state, delta)));
        continue;
      }
      if (part.functionCall) {
        const id = ctx.newId();
        const delta: ChunkDelta = {
          tool_calls: [
            {
              index: state.toolCallCount++,
              id,
              type: 'function',
              function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
            },
          ],
        };
        if (part.thoughtSignature !== undefined) {
          delta.provider_state = toProviderState({ toolCallSignatures: { [id]: part.thoughtSignature } });
        }
        out.push(chunk(index, withRole(state, delta)));
        continue;
      }
      const signature: GeminiProviderState = part.thoughtSignature !== undefined ? { textSignature: part.thoughtSignature } : {};
      const providerState = toProviderState(signature);
      const hasText = typeof part.text === 'string' && part.text.length > 0;
      if (!hasText && !providerState) continue;
      const delta: ChunkDelta = hasText ? { content: part.text } : {};
      if (providerState) delta.provider_state = providerState;
      out.push(chunk(index, withRole(state, delta)));
    }
    if (candidate.finishReason !== undefined && candidate.finishReason !== 'FINISH_REASON_UNSPECIFIED') {
      state.finished = true;
      out.push(chunk(index, withRole(state, {}), mapGeminiFinishReason(candidate.finishReason, state.toolCallCount > 0)));
    }
    return out;
  };

  return {
    push(event: StreamEvent): ChatChunk[] {
      if (event.framing !== 'sse') return [];
      const data = event.data.trim();
      if (data === '' || data === '[DONE]') return [];
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw invalidGeminiResponse('a stream event is not valid JSON');
      }
      const response = asGeminiResponse(parsed);
      if (response.modelVersion) model = response.modelVersion;
      // usageMetadata is cumulative: the last one seen is the total.
      const mapped = mapGeminiUsage(response.usageMetadata);
      if (mapped) usage = mapped;
      const out: ChatChunk[] = [];
      (response.candidates ?? []).forEach((candidate, position) => out.push(...convertCandidate(candidate, position)));
      if ((response.candidates ?? []).length === 0 && response.promptFeedback?.blockReason !== undefined) {
        const state = stateOf(0);
        if (!state.finished) {
          state.finished = true;
          out.push(chunk(0, withRole(state, {}), 'content_filter'));
        }
      }
      if (candidates.size > 0 && [...candidates.values()].every((c) => c.finished)) completed = true;
      return out;
    },
    end(): ChatChunk[] {
      return [];
    },
    usage: () => usage,
    completed: () => completed,
  };
}
