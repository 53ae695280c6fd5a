// Turns the gateway's OpenAI chat stream into text deltas, usage and errors.
import { EventSourceParserStream } from 'eventsource-parser/stream';

export type ChatStreamEvent =
  { kind: 'text'; text: string } | { kind: 'usage'; promptTokens: number; completionTokens: number; totalTokens: number } | { kind: 'error'; message: string };

interface Chunk {
  choices?: Array<{ delta?: { content?: string | null } }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  error?: { message?: string };
}

export async function* readChatStream(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatStreamEvent> {
  const events = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (value.data === '[DONE]') return;
      let chunk: Chunk;
      try {
        chunk = JSON.parse(value.data) as Chunk;
      } catch {
        yield { kind: 'error', message: `unreadable stream event: ${value.data.slice(0, 200)}` };
        continue;
      }
      if (chunk.error) {
        yield { kind: 'error', message: chunk.error.message ?? 'the stream ended with an error' };
        continue;
      }
      const text = chunk.choices?.map((c) => c.delta?.content ?? '').join('') ?? '';
      if (text) yield { kind: 'text', text };
      if (chunk.usage) {
        yield {
          kind: 'usage',
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
          totalTokens: chunk.usage.total_tokens,
        };
      }
    }
  } finally {
    reader.releaseLock();
  }
}
