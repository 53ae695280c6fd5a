import type { AssistantMessage, ChatCompletion, FinishReason, ThinkingBlock, ToolCall, Usage } from '../../openai/types';
import type { ResponseContext } from '../contract';

export interface SingleChoice {
  /** The model the provider reports; the context's model when it says none. */
  model?: string;
  content: string | null;
  toolCalls: ToolCall[];
  finishReason: FinishReason;
  usage: Usage | undefined;
  /** The model's reasoning text, when the provider returned it. */
  reasoning?: string;
  /** Signed reasoning to send back next turn. */
  thinkingBlocks?: ThinkingBlock[];
}

/** The OpenAI completion for providers that always answer with one choice. */
export function buildSingleChoiceCompletion(ctx: ResponseContext, choice: SingleChoice): ChatCompletion {
  const { content, toolCalls, usage } = choice;
  const message: AssistantMessage = { role: 'assistant', content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
  if (choice.reasoning) message.reasoning_content = choice.reasoning;
  if (choice.thinkingBlocks && choice.thinkingBlocks.length > 0) message.thinking_blocks = choice.thinkingBlocks;
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: choice.model ?? ctx.model,
    choices: [
      {
        index: 0,
        message,
        finish_reason: choice.finishReason,
        logprobs: null,
      },
    ],
    ...(usage ? { usage } : {}),
  };
}
