// Golden-file tests over __fixtures__ (layout in ../shared/golden.ts). Here a
// case's stream is written as `streamEvents` in its JSON; <case>.chunks.txt
// holds the binary event stream they encode to, base64, one frame per line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { encodeBedrockEvent, encodeBedrockException } from '../../../test/fake-providers/bedrock';
import { testGoldenFixtures, updatingFixtures, type GoldenFixture } from '../shared/golden';
import { bedrockProvider } from './index';

interface FixtureEvent {
  type?: string;
  exception?: string;
  payload: unknown;
}

function encode(events: FixtureEvent[]): string {
  return (
    events
      .map((e) =>
        Buffer.from(
          e.exception ? encodeBedrockException(e.exception, (e.payload as { message: string }).message) : encodeBedrockEvent(e.type!, e.payload),
        ).toString('base64'),
      )
      .join('\n') + '\n'
  );
}

function readEncodedStream(fixture: GoldenFixture, chunksFile: string): Uint8Array | undefined {
  if (!fixture.streamEvents) return undefined;
  const events = fixture.streamEvents as FixtureEvent[];
  if (updatingFixtures) fs.writeFileSync(chunksFile, encode(events));
  // The stored bytes are what the events encode to.
  assert.equal(fs.readFileSync(chunksFile, 'utf8'), encode(events));
  return Buffer.concat(
    fs
      .readFileSync(chunksFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => Buffer.from(line, 'base64')),
  );
}

testGoldenFixtures({
  label: 'bedrock',
  dir: __dirname,
  provider: bedrockProvider,
  target: { provider: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0', credentials: { region: 'us-east-1' }, options: {} },
  readStream: readEncodedStream,
});
