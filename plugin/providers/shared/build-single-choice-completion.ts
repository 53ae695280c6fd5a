import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';

export interface SingleChoice {
  /** The model the provider reports; the context's model when it says none. */
  model?: string;
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage | undefined;
}

/** The OpenAI completion for providers that always answer with one choice. */
export function buildSingleChoiceCompletion(ctx: ResponseContext, choice: SingleChoice): ChatCompletion {
  const { content, toolCalls, usage } = choice;
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: choice.model ?? ctx.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        finish_reason: choice.finishReason,
        logprobs: null,
      },
    ],
    ...(usage ? { usage } : {}),
  };
}
