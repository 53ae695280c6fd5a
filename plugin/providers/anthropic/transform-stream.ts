// Anthropic SSE events -> OpenAI chunks. Stateful, one per request.
// https://platform.claude.com/docs/en/build-with-claude/streaming
//
// The OpenAI tool-call `index` counts tool calls only (0, 1, ...). Anthropic's
// block index counts every content block (text, thinking, tool_use), so a
// tool call after a text block is Anthropic index 1 but OpenAI index 0.
// Passing the block index through is the bug Portkey shipped (#1275).
/* eslint-disable @typescript-eslint/no-unnecessary-condition -- stream events are cast, not schema-checked (unlike whole answers): a field the event types promise may be missing */
import type { ChatChunk, ChatRequest, ChunkDelta, FinishReason, Usage } from '../../openai/types';
import type { ResponseContext, StreamEvent, StreamTransformer } from '../contract';
import { isRecord, malformedResponse, parseEventJson } from '../shared/errors';
import { createJsonMinifier, type JsonMinifier } from '../shared/json-minify';
import { anthropicStreamError } from './parse-error';
import { toUsage } from './parse-response';
import { mapStopReason } from './map-finish-reason';
import type { AnthropicStreamEvent, AnthropicToolUseBlock, AnthropicUsage } from './types';

type BlockState = { kind: 'text' } | { kind: 'tool'; toolIndex: number; args: JsonMinifier } | { kind: 'thinking' } | { kind: 'other' };

export function createAnthropicStreamTransformer(ctx: ResponseContext, _req: ChatRequest): StreamTransformer {
  const blocks = new Map<number, BlockState>();
  let toolCount = 0;
  let model = ctx.model;
  let started = false;
  let done = false;
  const usage: AnthropicUsage = {};
  let sawUsage = false;

  const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): ChatChunk => ({
    id: ctx.id,
    object: 'chat.completion.chunk',
    created: ctx.created,
    model,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });

  /** Guarantees the role chunk comes first even if message_start was lost. */
  const withRole = (out: ChatChunk[]): ChatChunk[] => {
    if (started || out.length === 0) return out;
    started = true;
    return [chunk({ role: 'assistant', content: '' }), ...out];
  };

  const mergeUsage = (u: AnthropicUsage | undefined): void => {
    if (!u) return;
    sawUsage = true;
    // message_delta usage is cumulative; a field it carries replaces the message_start value.
    for (const k of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      const v = u[k];
      if (typeof v === 'number') usage[k] = v;
    }
  };

  const handle = (ev: AnthropicStreamEvent): ChatChunk[] => {
    switch (ev.type) {
      case 'message_start':
        if (typeof ev.message?.model === 'string' && ev.message.model) model = ev.message.model;
        mergeUsage(ev.message?.usage);
        if (started) return [];
        started = true;
        return [chunk({ role: 'assistant', content: '' })];
      case 'content_block_start': {
        const b = ev.content_block;
        if (b.type === 'text') {
          blocks.set(ev.index, { kind: 'text' });
          const text = typeof b.text === 'string' ? b.text : '';
          return withRole(text ? [chunk({ content: text })] : []);
        }
        if (b.type === 'thinking') {
          blocks.set(ev.index, { kind: 'thinking' });
          return [];
        }
        if (b.type === 'redacted_thinking' && typeof b.data === 'string') {
          // Encrypted reasoning comes whole; it goes to the client to send back next turn.
          blocks.set(ev.index, { kind: 'other' });
          return withRole([chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: b.data }] })]);
        }
        if (b.type === 'tool_use') {
          const tool = b as AnthropicToolUseBlock;
          const state: BlockState = { kind: 'tool', toolIndex: toolCount++, args: createJsonMinifier() };
          blocks.set(ev.index, state);
          // Streams start tool_use with `input: {}` and send the JSON as deltas;
          // a non-empty input here is the whole argument object.
          const initial = tool.input && Object.keys(tool.input).length > 0 ? state.args.push(JSON.stringify(tool.input)) : '';
          return withRole([
            chunk({ tool_calls: [{ index: state.toolIndex, id: tool.id, type: 'function', function: { name: tool.name, arguments: initial } }] }),
          ]);
        }
        blocks.set(ev.index, { kind: 'other' });
        return [];
      }
      case 'content_block_delta': {
        const state = blocks.get(ev.index);
        const d = ev.delta;
        if (d.type === 'text_delta' && typeof d.text === 'string' && state?.kind !== 'tool') {
          return d.text ? withRole([chunk({ content: d.text })]) : [];
        }
        if (d.type === 'input_json_delta' && typeof d.partial_json === 'string' && state?.kind === 'tool') {
          const piece = state.args.push(d.partial_json);
          return piece ? withRole([chunk({ tool_calls: [{ index: state.toolIndex, function: { arguments: piece } }] })]) : [];
        }
        // Thinking streams as reasoning_content, and as LiteLLM's thinking_blocks pieces: text
        // pieces, then the signature, which ends the block (see ChunkDelta.thinking_blocks).
        if (d.type === 'thinking_delta' && typeof d.thinking === 'string' && d.thinking !== '') {
          return withRole([chunk({ reasoning_content: d.thinking, thinking_blocks: [{ type: 'thinking', thinking: d.thinking }] })]);
        }
        if (d.type === 'signature_delta' && typeof d.signature === 'string') {
          return withRole([chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: d.signature }] })]);
        }
        return []; // citations_delta
      }
      case 'content_block_stop': {
        const state = blocks.get(ev.index);
        // A tool without parameters streams no JSON; the non-streamed form of its input is "{}".
        if (state?.kind === 'tool' && state.args.text() === '') {
          state.args.push('{}');
          return [chunk({ tool_calls: [{ index: state.toolIndex, function: { arguments: '{}' } }] })];
        }
        return [];
      }
      case 'message_delta': {
        mergeUsage(ev.usage);
        const finish = mapStopReason(ev.delta?.stop_reason);
        return finish ? withRole([chunk({}, finish)]) : [];
      }
      case 'message_stop':
        done = true;
        return [];
      case 'ping':
        return [];
      case 'error':
        throw anthropicStreamError(ev);
      default:
        return []; // event types added later are ignored, as the docs ask
    }
  };

  return {
    push(event: StreamEvent): ChatChunk[] {
      if (event.framing !== 'sse' || event.data.trim() === '') return [];
      const parsed = parseEventJson('Anthropic', event.data);
      if (!isRecord(parsed) || typeof parsed.type !== 'string') throw malformedResponse('Anthropic', 'stream event without a type');
      return handle(parsed as AnthropicStreamEvent);
    },
    end: () => [],
    usage(): Usage | undefined {
      return sawUsage ? toUsage(usage) : undefined;
    },
    completed: () => done,
  };
}
