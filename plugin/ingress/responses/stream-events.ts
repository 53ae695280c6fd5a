// The pipeline's chat chunks -> the Responses API's event stream, in the
// order OpenAI sends it: response.created, response.in_progress, then per
// output item `output_item.added`, its deltas and `.done` events, and
// `output_item.done`; finally response.completed (or .incomplete / .failed).
// Every event carries a sequence number. Reasoning text is a reasoning item;
// the provider's signed state, known only once the turn is over (Gemini
// signs its tool calls, Anthropic its thinking at the block's end), rides
// in a reasoning item of its own at the end of the turn. The response's
// echo of the request (`base`) is handed in where an event carries it, not
// kept: the sink holds it packed while the stream runs.
import { AssistantMessageAssembler } from '../../openai/assemble-assistant-message';
import type { AssistantMessage, ChatChunk, Usage } from '../../openai/types';
import { encodeCarriedState, hasCarriedState } from './carried-state';
import { finishResponse } from './response-object';
import type { OutputItem, ResponseObject, ResponsesEvent } from './types';

interface OpenText {
  index: number;
  id: string;
  text: string;
}
interface OpenCall {
  index: number;
  id: string;
  callId: string;
  name: string;
  args: string;
}

export class ResponsesStreamTranslator {
  private seq = 0;
  private readonly output: OutputItem[] = [];
  private text: OpenText | undefined;
  private reasoning: OpenText | undefined;
  private readonly calls = new Map<number, OpenCall>();
  readonly assembler = new AssistantMessageAssembler();

  constructor(private readonly newId: (prefix: string) => string) {}

  start(base: ResponseObject): ResponsesEvent[] {
    return [this.event('response.created', { response: base }), this.event('response.in_progress', { response: base })];
  }

  push(chunk: ChatChunk): ResponsesEvent[] {
    this.assembler.push(chunk);
    const delta = chunk.choices[0]?.delta;
    if (!delta) return [];
    const events: ResponsesEvent[] = [];
    if (delta.reasoning_content) {
      if (!this.reasoning) this.reasoning = this.openItem(events, 'rs', (id) => ({ type: 'reasoning', id, summary: [], status: 'in_progress' }));
      this.reasoning.text += delta.reasoning_content;
      events.push(
        this.event('response.reasoning_text.delta', {
          item_id: this.reasoning.id,
          output_index: this.reasoning.index,
          content_index: 0,
          delta: delta.reasoning_content,
        }),
      );
    }
    const answers = !!delta.content || !!delta.refusal || !!delta.tool_calls?.length;
    if (answers && this.reasoning) events.push(...this.closeReasoning());
    if (delta.content) {
      if (!this.text) {
        this.text = this.openItem(events, 'msg', (id) => ({ type: 'message', id, role: 'assistant', status: 'in_progress', content: [] }));
        events.push(this.event('response.content_part.added', { ...this.where(this.text), part: { type: 'output_text', text: '', annotations: [] } }));
      }
      this.text.text += delta.content;
      events.push(this.event('response.output_text.delta', { ...this.where(this.text), delta: delta.content, logprobs: [] }));
    }
    for (const call of delta.tool_calls ?? []) {
      let open = this.calls.get(call.index);
      if (!open) {
        if (this.text) events.push(...this.closeText());
        const name = call.function?.name ?? call.custom?.name ?? '';
        const callId = call.id ?? '';
        const item = this.openItem(events, 'fc', (id) => ({ type: 'function_call', id, call_id: callId, name, arguments: '', status: 'in_progress' }));
        open = { index: item.index, id: item.id, callId, name, args: '' };
        this.calls.set(call.index, open);
      }
      const piece = call.function?.arguments ?? call.custom?.input ?? '';
      if (piece) {
        open.args += piece;
        events.push(this.event('response.function_call_arguments.delta', { item_id: open.id, output_index: open.index, delta: piece }));
      }
    }
    return events;
  }

  /** The closing events, and the finished response (to store). */
  finish(base: ResponseObject, usage: Usage | undefined): { events: ResponsesEvent[]; response: ResponseObject; message: AssistantMessage } {
    const events: ResponsesEvent[] = [];
    const message = this.assembler.message();
    if (this.reasoning) events.push(...this.closeReasoning());
    if (this.text) events.push(...this.closeText());
    for (const call of [...this.calls.values()].sort((a, b) => a.index - b.index)) {
      events.push(this.event('response.function_call_arguments.done', { item_id: call.id, output_index: call.index, name: call.name, arguments: call.args }));
      const item: OutputItem = { type: 'function_call', id: call.id, call_id: call.callId, name: call.name, arguments: call.args, status: 'completed' };
      this.output[call.index] = item;
      events.push(this.event('response.output_item.done', { output_index: call.index, item }));
    }
    if (hasCarriedState(message)) {
      const id = this.newId('rs');
      const item: OutputItem = { type: 'reasoning', id, summary: [], encrypted_content: encodeCarriedState(message), status: 'completed' };
      const index = this.output.push(item) - 1;
      events.push(this.event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress' } }));
      events.push(this.event('response.output_item.done', { output_index: index, item }));
    }
    const response = finishResponse(base, this.output, this.assembler.finishReason, usage);
    events.push(this.event(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response }));
    return { events, response, message };
  }

  /** The stream broke after it began: the response failed. */
  fail(base: ResponseObject, code: string, message: string): ResponsesEvent[] {
    const response: ResponseObject = { ...base, status: 'failed', error: { code, message }, output: this.output.filter(Boolean) };
    return [this.event('response.failed', { response })];
  }

  private openItem(events: ResponsesEvent[], prefix: string, make: (id: string) => OutputItem): OpenText {
    const id = this.newId(prefix);
    const item = make(id);
    const index = this.output.push(item) - 1;
    events.push(this.event('response.output_item.added', { output_index: index, item }));
    return { index, id, text: '' };
  }

  private closeText(): ResponsesEvent[] {
    const t = this.text!;
    this.text = undefined;
    const part = { type: 'output_text' as const, text: t.text, annotations: [] };
    const item: OutputItem = { type: 'message', id: t.id, role: 'assistant', status: 'completed', content: [part] };
    this.output[t.index] = item;
    return [
      this.event('response.output_text.done', { ...this.where(t), text: t.text, logprobs: [] }),
      this.event('response.content_part.done', { ...this.where(t), part }),
      this.event('response.output_item.done', { output_index: t.index, item }),
    ];
  }

  private closeReasoning(): ResponsesEvent[] {
    const r = this.reasoning!;
    this.reasoning = undefined;
    const item: OutputItem = { type: 'reasoning', id: r.id, summary: [], content: [{ type: 'reasoning_text', text: r.text }], status: 'completed' };
    this.output[r.index] = item;
    return [
      this.event('response.reasoning_text.done', { item_id: r.id, output_index: r.index, content_index: 0, text: r.text }),
      this.event('response.output_item.done', { output_index: r.index, item }),
    ];
  }

  private where(t: OpenText) {
    return { item_id: t.id, output_index: t.index, content_index: 0 };
  }

  private event(type: string, fields: Record<string, unknown>): ResponsesEvent {
    return { type, sequence_number: this.seq++, ...fields };
  }
}

export function serializeResponsesEvent(event: ResponsesEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
