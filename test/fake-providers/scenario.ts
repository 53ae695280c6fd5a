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
  | { kind: 'stream-error'; afterChunks: number; message?: string }
  /** Answer by reading the conversation (see `scriptConversation`): what fakes that follow conversations do when the queue is empty. */
  | { kind: 'conversation' };

/** What a fake reads out of a native chat request to follow the conversation. */
export interface ConversationTurn {
  /** The tool results the conversation's last turn carries (as text), in the provider's native shape; empty when it ends with a user message. */
  toolResults: string[];
  lastUserText: string;
  /** Names of the tools the request offers. */
  toolNames: string[];
}

export const WEATHER_TOOL = 'get_weather';

/**
 * The deterministic agent script: a user turn asking for "the weather in
 * <City>" (or "in <City> and <City>") while the get_weather tool is offered
 * gets one call get_weather({"city":"<City>"}) per city, in parallel; a turn
 * that carries tool results gets a final text quoting them (so a test proves
 * the results reached the provider in its native shape); anything else gets
 * the usual echo.
 */
export function scriptConversation(turn: ConversationTurn): Extract<Behaviour, { kind: 'ok' }> {
  if (turn.toolResults.length > 0) return { kind: 'ok', text: `The weather tool says: ${turn.toolResults.join(' | ')}` };
  const asked = /weather in ([A-Z][A-Za-z-]*)(?: and ([A-Z][A-Za-z-]*))?/.exec(turn.lastUserText);
  if (asked && turn.toolNames.includes(WEATHER_TOOL)) {
    const cities = asked.slice(1).filter((c): c is string => c !== undefined);
    return { kind: 'ok', toolCalls: cities.map((city) => ({ name: WEATHER_TOOL, arguments: JSON.stringify({ city }) })) };
  }
  return { kind: 'ok' };
}

/** Resolves a `conversation` behaviour with the fake's native reader; other behaviours pass through. */
export function followConversation(b: Behaviour, read: () => ConversationTurn): Behaviour {
  return b.kind === 'conversation' ? scriptConversation(read()) : b;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** '1.1', or '2.0' for a fake over TLS that the client spoke HTTP/2 to. */
  httpVersion?: string;
  /** The answer's connection or stream closed before the fake had ended it: the client let go (or the fake cut it). */
  abandoned?: boolean;
}

export interface FakeProvider {
  /** Base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  enqueue(...behaviours: Behaviour[]): void;
  /** Drops the behaviours no request took (after a burst that was partly refused). */
  clear(): void;
  /** With an empty queue, answer by the conversation (`scriptConversation`) instead of the plain echo. */
  followConversations(on?: boolean): void;
  requests: RecordedRequest[];
  /** Cuts every open connection (as a crashed front end would), answers in flight with them; keeps listening. */
  dropConnections(): void;
  close(): Promise<void>;
}
