// A dry run of the request path's pure parts, in a spare data-plane worker
// before it gets its configuration: client validation, the provider request,
// the provider's answer and stream translated back, for the two most used
// provider formats. The first real request then runs optimized code instead
// of paying for the parser, the schema validators and the JIT (measured by
// bench/tail-probe.ts as the first request's added time). No I/O.
import type { ProviderId } from '../contract';
import { openAiChatIngress } from '../ingress/openai/chat';
import { createStreamDecoder, getProvider, sseChunk } from '../providers';
import type { ResponseContext, Target } from '../providers/contract';

const sse = (data: unknown, event?: string) => Buffer.from(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);

const ANSWERS: Record<'openai' | 'anthropic', { body: unknown; frames: Buffer[] }> = {
  openai: {
    body: {
      id: 'chatcmpl-warm',
      object: 'chat.completion',
      created: 0,
      model: 'warm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    },
    frames: [
      sse({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'warm', choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: null }] }),
      sse({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'warm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      Buffer.from('data: [DONE]\n\n'),
    ],
  },
  anthropic: {
    body: {
      id: 'msg_warm',
      type: 'message',
      role: 'assistant',
      model: 'warm',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 1, output_tokens: 1 },
    },
    frames: [
      sse(
        {
          type: 'message_start',
          message: { id: 'm', type: 'message', role: 'assistant', model: 'warm', content: [], usage: { input_tokens: 1, output_tokens: 1 } },
        },
        'message_start',
      ),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } }, 'content_block_delta'),
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      sse({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }, 'message_delta'),
      sse({ type: 'message_stop' }, 'message_stop'),
    ],
  },
};

export function warmTranslation(rounds: number): void {
  const ctx = (): ResponseContext => ({ id: 'chatcmpl-warm', created: 0, model: 'warm', newId: () => 'call_warm' });
  const clientBody = JSON.stringify({ model: 'warm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
  for (const id of ['openai', 'anthropic'] as const satisfies readonly ProviderId[]) {
    const provider = getProvider(id);
    const target: Target = { provider: id, model: 'warm', credentials: { apiKey: 'warm' }, options: { baseUrl: 'http://127.0.0.1:9/v1' } };
    const answer = JSON.stringify(ANSWERS[id].body);
    for (let i = 0; i < rounds; i++) {
      const parsed = openAiChatIngress.parse(JSON.parse(clientBody));
      if (!parsed.ok) throw new Error(parsed.message);
      provider.chat.buildRequest(parsed.value, target);
      JSON.stringify(provider.chat.parseResponse(JSON.parse(answer), ctx()));
      const decoder = createStreamDecoder(provider.chat.framing);
      const t = provider.chat.createStreamTransformer(ctx(), { ...parsed.value, stream: true });
      for (const frame of ANSWERS[id].frames) for (const e of decoder.push(frame)) for (const c of t.push(e)) sseChunk(c);
      for (const e of decoder.end()) for (const c of t.push(e)) sseChunk(c);
      for (const c of t.end()) sseChunk(c);
    }
  }
}
