// Translation cost measured in-process with the provider functions, over N
// iterations: what the data server does per request besides I/O.
//   non-streaming: client JSON parse + validation, build the provider request,
//                  parse the provider's JSON, translate it, serialize for the client;
//   streaming:     decode the provider's SSE bytes, translate every event,
//                  encode the OpenAI chunks as SSE.
import type { ProviderId } from '../plugin/contract';
import type { Provider, ResponseContext, Target } from '../plugin/providers/contract';
import { createStreamDecoder, getProvider, sseChunk } from '../plugin/providers';
import { openAiChatIngress as openAiIngress } from '../plugin/ingress/openai/chat';
import { anthropicFrames, anthropicMessage, openaiCompletion, openaiFrames } from './fake-provider';
import { CHAT_BODY } from './setup';

function ctx(): ResponseContext {
  let n = 0;
  return { id: 'chatcmpl-bench', created: 1700000000, model: 'bench', newId: () => `call_${++n}` };
}

function perOp(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(); // warm-up (JIT)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / iterations; // microseconds
}

export function measureTranslation(iterations: number, streamChunks = 20) {
  const out: Record<string, { nonStreamingUsPerRequest: number; streamingUsPerStream: number; streamChunks: number }> = {};
  for (const id of ['openai', 'anthropic'] as ProviderId[]) {
    const provider: Provider = getProvider(id);
    const target: Target = { provider: id, model: 'bench', credentials: { apiKey: 'sk-bench' }, options: { baseUrl: 'http://127.0.0.1:9/v1' } };
    const clientBody = CHAT_BODY('bench');
    const providerBody = JSON.stringify(id === 'openai' ? openaiCompletion('x', 'bench') : anthropicMessage('x', 'bench'));
    const nonStreaming = perOp(iterations, () => {
      const parsed = openAiIngress.parse(JSON.parse(clientBody));
      if (!parsed.ok) throw new Error(parsed.message);
      provider.chat.buildRequest(parsed.value, target);
      JSON.stringify(provider.chat.parseResponse(JSON.parse(providerBody), ctx()));
    });
    const f = id === 'openai' ? openaiFrames('x', 'bench', streamChunks, true) : anthropicFrames('x', 'bench', streamChunks);
    const frames = [...f.opening, ...f.content, ...f.closing].map((s) => Buffer.from(s));
    const request = { model: 'bench', messages: [{ role: 'user' as const, content: 'hi' }], stream: true };
    const streaming = perOp(Math.max(1, Math.floor(iterations / 4)), () => {
      const decoder = createStreamDecoder(provider.chat.framing);
      const t = provider.chat.createStreamTransformer(ctx(), request);
      for (const frame of frames) for (const e of decoder.push(frame)) for (const c of t.push(e)) sseChunk(c);
      for (const e of decoder.end()) for (const c of t.push(e)) sseChunk(c);
      for (const c of t.end()) sseChunk(c);
    });
    out[id] = { nonStreamingUsPerRequest: nonStreaming, streamingUsPerStream: streaming, streamChunks };
  }
  return { iterations, ...out };
}
