// The Responses object around the pipeline's answer: echoes of the request,
// status from the finish reason, usage in the Responses shape, and output
// items built from an assistant message.
import type { AssistantMessage, FinishReason, ToolCall, Usage } from '../../openai/types';
import { toolCallInput } from '../../openai/tool-call-input';
import { encodeCarriedState, hasCarriedState } from './carried-state';
import type { OutputItem, ResponseObject, ResponsesRequest, ResponsesUsage } from './types';

/** The response as it starts: in progress, nothing produced yet. `model` is what the client asked for (the endpoint). */
export function baseResponse(req: ResponsesRequest, id: string, createdAt: number): ResponseObject {
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    metadata: req.metadata ?? {},
    model: req.model,
    output: [],
    output_text: '',
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    store: req.store ?? true,
    temperature: req.temperature ?? null,
    text: { format: req.text?.format ?? { type: 'text' } },
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    top_p: req.top_p ?? null,
    truncation: 'disabled',
    usage: null,
    user: req.user ?? null,
  };
}

/** The finished response: its output, status and usage. */
export function finishResponse(base: ResponseObject, output: OutputItem[], finish: FinishReason | null, usage: Usage | undefined): ResponseObject {
  const incomplete = finish === 'length' ? 'max_output_tokens' : finish === 'content_filter' ? 'content_filter' : undefined;
  return {
    ...base,
    status: incomplete ? 'incomplete' : 'completed',
    incomplete_details: incomplete ? { reason: incomplete } : null,
    output,
    output_text: outputTextOf(output),
    usage: usage ? toResponsesUsage(usage) : null,
  };
}

export function toResponsesUsage(u: Usage): ResponsesUsage {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: { reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: u.total_tokens,
  };
}

/**
 * Output items of a whole assistant message, in the stream's order: its
 * reasoning text, its text, its function calls, then the provider's signed
 * state (see carried-state.ts).
 */
export function outputItemsOf(message: AssistantMessage, newId: (prefix: string) => string, status: 'completed' | 'incomplete' = 'completed'): OutputItem[] {
  const items: OutputItem[] = [];
  if (message.reasoning_content) {
    items.push({
      type: 'reasoning',
      id: newId('rs'),
      summary: [],
      content: [{ type: 'reasoning_text', text: message.reasoning_content }],
      status: 'completed',
    });
  }
  if (message.content || message.refusal) {
    items.push({
      type: 'message',
      id: newId('msg'),
      role: 'assistant',
      status,
      content: message.content ? [{ type: 'output_text', text: message.content, annotations: [] }] : [{ type: 'refusal', refusal: message.refusal ?? '' }],
    });
  }
  for (const call of message.tool_calls ?? []) items.push(functionCallItemOf(call, newId('fc')));
  if (hasCarriedState(message))
    items.push({ type: 'reasoning', id: newId('rs'), summary: [], encrypted_content: encodeCarriedState(message), status: 'completed' });
  return items;
}

export function functionCallItemOf(call: ToolCall, id: string): OutputItem {
  const { name, text } = toolCallInput(call);
  return { type: 'function_call', id, call_id: call.id, name, arguments: text, status: 'completed' };
}

function outputTextOf(output: OutputItem[]): string {
  return output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}
