// Shared stream decoding: provider response bytes -> StreamEvent. Every
// provider stream goes through here, so byte-level concerns (UTF-8 split
// across reads, CRLF, comments, partial frames) are solved once.
//   sse             eventsource-parser (the WHATWG event-stream grammar)
//   ndjson          one JSON document per line (Ollama native, Cohere v1)
//   aws-eventstream binary frames (Bedrock *WithResponseStream) via @smithy/eventstream-codec
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { EventStreamCodec, MessageHeaders } from '@smithy/eventstream-codec';
import type { StreamEvent, StreamFraming } from '../contract';

export interface StreamDecoder {
  /** Feed one read of the response body; returns the events it completed. */
  push(bytes: Uint8Array | string): StreamEvent[];
  /** The body ended: returns what a trailing unterminated frame held (if complete enough). */
  end(): StreamEvent[];
}

export function createStreamDecoder(framing: StreamFraming): StreamDecoder {
  switch (framing) {
    case 'sse':
      return createSseDecoder();
    case 'ndjson':
      return createNdjsonDecoder();
    case 'aws-eventstream':
      return createAwsEventStreamDecoder();
  }
}

/** Convenience for tests and buffered bodies: decodes a whole body at once. */
export function decodeAll(framing: StreamFraming, body: Uint8Array | string): StreamEvent[] {
  const d = createStreamDecoder(framing);
  return [...d.push(body), ...d.end()];
}

function createSseDecoder(): StreamDecoder {
  const text = new TextDecoder('utf-8');
  let out: StreamEvent[] = [];
  const parser = createParser({
    onEvent: (e: EventSourceMessage) => {
      out.push(e.event === undefined ? { framing: 'sse', data: e.data } : { framing: 'sse', event: e.event, data: e.data });
    },
  });
  const drain = (): StreamEvent[] => {
    const events = out;
    out = [];
    return events;
  };
  return {
    push(bytes) {
      parser.feed(typeof bytes === 'string' ? bytes : text.decode(bytes, { stream: true }));
      return drain();
    },
    end() {
      const rest = text.decode();
      if (rest) parser.feed(rest);
      // As the event-stream spec says, an event not terminated by a blank line is
      // discarded: a body cut mid-event must not yield half an event.
      parser.reset();
      return drain();
    },
  };
}

function createNdjsonDecoder(): StreamDecoder {
  const text = new TextDecoder('utf-8');
  let buffer = '';
  const lines = (final: boolean): StreamEvent[] => {
    const parts = buffer.split('\n');
    buffer = final ? '' : (parts.pop() ?? '');
    return parts
      .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
      .filter((l) => l.trim().length > 0)
      .map((line) => ({ framing: 'ndjson' as const, line }));
  };
  return {
    push(bytes) {
      buffer += typeof bytes === 'string' ? bytes : text.decode(bytes, { stream: true });
      return lines(false);
    },
    end() {
      buffer += text.decode();
      return lines(true);
    },
  };
}

interface AwsEventStream {
  codec: EventStreamCodec;
  fromUtf8: (text: string) => Uint8Array;
  toUtf8: (bytes: Uint8Array) => string;
}
let awsEventStream: AwsEventStream | undefined;

/** @smithy's codec, loaded with the first Bedrock stream: it would add to every data-plane worker's start. */
function loadAwsEventStream(): AwsEventStream {
  if (!awsEventStream) {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see above */
    const { EventStreamCodec } = require('@smithy/eventstream-codec') as typeof import('@smithy/eventstream-codec');
    const { fromUtf8, toUtf8 } = require('@smithy/util-utf8') as typeof import('@smithy/util-utf8');
    /* eslint-enable @typescript-eslint/no-require-imports */
    awsEventStream = { codec: new EventStreamCodec(toUtf8, fromUtf8), fromUtf8, toUtf8 };
  }
  return awsEventStream;
}

function createAwsEventStreamDecoder(): StreamDecoder {
  const { codec, fromUtf8, toUtf8 } = loadAwsEventStream();
  let buffer = new Uint8Array(0);
  return {
    push(bytes) {
      const incoming = typeof bytes === 'string' ? fromUtf8(bytes) : bytes;
      const joined = new Uint8Array(buffer.length + incoming.length);
      joined.set(buffer, 0);
      joined.set(incoming, buffer.length);
      const events: StreamEvent[] = [];
      let offset = 0;
      // Prelude: 4-byte big-endian total length, 4-byte headers length, 4-byte CRC.
      while (joined.length - offset >= 12) {
        const total = new DataView(joined.buffer, joined.byteOffset + offset, 4).getUint32(0, false);
        if (total < 16) throw new Error(`aws-eventstream: invalid frame length ${total}`);
        if (joined.length - offset < total) break;
        const message = codec.decode(joined.subarray(offset, offset + total));
        events.push({ framing: 'aws-eventstream', headers: headerStrings(message.headers, toUtf8), payload: toUtf8(message.body) });
        offset += total;
      }
      buffer = joined.slice(offset);
      return events;
    },
    end() {
      // A partial binary frame cannot be decoded; the transformer's completed() tells the cut.
      buffer = new Uint8Array(0);
      return [];
    },
  };
}

function headerStrings(headers: MessageHeaders, toUtf8: (bytes: Uint8Array) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, h] of Object.entries(headers)) {
    switch (h.type) {
      case 'binary':
        out[name] = toUtf8(h.value);
        break;
      case 'timestamp':
        out[name] = h.value.toISOString();
        break;
      default:
        out[name] = String(h.value);
    }
  }
  return out;
}
