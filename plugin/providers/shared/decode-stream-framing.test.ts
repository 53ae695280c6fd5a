import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { createStreamDecoder, decodeAll } from './decode-stream-framing';
import type { StreamEvent } from '../contract';

const feed = (framing: 'sse' | 'ndjson' | 'aws-eventstream', bytes: Uint8Array, size: number): StreamEvent[] => {
  const d = createStreamDecoder(framing);
  const out: StreamEvent[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
  return [...out, ...d.end()];
};

describe('sse decoding', () => {
  const body = 'event: message_start\r\ndata: {"a":"é"}\r\n\r\n: comment\n\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';
  const expected: StreamEvent[] = [
    { framing: 'sse', event: 'message_start', data: '{"a":"é"}' },
    { framing: 'sse', data: 'line1\nline2' },
    { framing: 'sse', data: '[DONE]' },
  ];
  it('handles CRLF, comments, multi-line data and split multi-byte characters at any read size', () => {
    const bytes = Buffer.from(body, 'utf8');
    for (const size of [1, 2, 5, bytes.length]) assert.deepEqual(feed('sse', bytes, size), expected);
  });
  it('discards a final event cut before its blank line (a truncated body)', () => {
    assert.deepEqual(decodeAll('sse', 'data: {"x":1}\n\ndata: {"type":"content_blo'), [{ framing: 'sse', data: '{"x":1}' }]);
    assert.deepEqual(decodeAll('sse', 'data: {"x":1}\n'), []);
  });
});

describe('ndjson decoding', () => {
  it('splits lines across reads, skips blanks, keeps an unterminated last line', () => {
    const bytes = Buffer.from('{"a":1}\r\n\n{"b":"ü"}\n{"c":3}', 'utf8');
    for (const size of [1, 4, bytes.length]) {
      assert.deepEqual(feed('ndjson', bytes, size), [
        { framing: 'ndjson', line: '{"a":1}' },
        { framing: 'ndjson', line: '{"b":"ü"}' },
        { framing: 'ndjson', line: '{"c":3}' },
      ]);
    }
  });
});

describe('aws event stream decoding', () => {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const frame = (eventType: string, payload: string) =>
    codec.encode({
      headers: {
        ':event-type': { type: 'string', value: eventType },
        ':content-type': { type: 'string', value: 'application/json' },
        ':message-type': { type: 'string', value: 'event' },
      },
      body: fromUtf8(payload),
    });
  it('decodes binary frames split across reads', () => {
    // Bedrock ConverseStream frames: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
    const a = frame('messageStart', '{"role":"assistant"}');
    const b = frame('contentBlockDelta', '{"contentBlockIndex":0,"delta":{"text":"Hi é"}}');
    const bytes = Buffer.concat([a, b]);
    for (const size of [1, 13, bytes.length]) {
      assert.deepEqual(feed('aws-eventstream', bytes, size), [
        {
          framing: 'aws-eventstream',
          headers: { ':event-type': 'messageStart', ':content-type': 'application/json', ':message-type': 'event' },
          payload: '{"role":"assistant"}',
        },
        {
          framing: 'aws-eventstream',
          headers: { ':event-type': 'contentBlockDelta', ':content-type': 'application/json', ':message-type': 'event' },
          payload: '{"contentBlockIndex":0,"delta":{"text":"Hi é"}}',
        },
      ]);
    }
  });
  it('rejects a corrupted frame', () => {
    const bad = Buffer.from(frame('x', '{}'));
    bad[bad.length - 1]! ^= 0xff;
    assert.throws(() => decodeAll('aws-eventstream', bad));
  });
});
