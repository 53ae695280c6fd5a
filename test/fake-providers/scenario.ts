// Scripted behaviours shared by every fake provider server. A test queues
// behaviours; each incoming request takes the next one (or `ok` when the
// queue is empty). Every fake records the requests it received.

export type Behaviour =
  /** Answer normally (streamed if the request asked for a stream). */
  | { kind: 'ok'; text?: string; toolCalls?: Array<{ name: string; arguments: string }>; delayMs?: number; chunkGapMs?: number }
  /** Answer with this HTTP status and the provider's native error body. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; message?: string }
  /** Accept the connection, then never answer (the gateway's timeout must fire). */
  | { kind: 'hang' }
  /** Destroy the socket without answering. */
  | { kind: 'reset' }
  /** 200 with a body that is not valid JSON. */
  | { kind: 'malformed' }
  /** Start a stream, send `afterChunks` content chunks, then cut the connection. */
  | { kind: 'truncate'; afterChunks: number }
  /** Start a stream, send `afterChunks` content chunks, then the provider's native in-stream error event. */
  | { kind: 'stream-error'; afterChunks: number; message?: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface FakeProvider {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  enqueue(...behaviours: Behaviour[]): void;
  /** Drops the behaviours no request took (after a burst that was partly refused). */
  clear(): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}
