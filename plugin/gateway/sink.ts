// Where a chat answer goes. The pipeline produces OpenAI completions and
// chunks; a sink writes them in the client's API (OpenAI here, Anthropic's
// Messages API for the other ingress).
import type { ChatChunk, ChatCompletion, ErrorBody, Usage } from '../openai/types';

export interface ChatSink {
  completion(completion: ChatCompletion, headers: Record<string, string>): void;
  /** Commits the stream: status 200 and headers go out. */
  open(headers: Record<string, string>): void;
  chunk(chunk: ChatChunk): void;
  /** The stream ended well; `usage` is the provider's, or the gateway's estimate when it reported none. */
  close(usage: Usage, last: { id: string; created: number; model: string }): void;
  /** The stream broke after it was committed. */
  streamError(error: ErrorBody): void;
  error(status: number, error: ErrorBody, headers: Record<string, string>): void;
}
