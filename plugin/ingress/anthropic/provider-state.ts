// The gateway's `provider_state` (Gemini thought signatures, see
// plugin/providers/gemini/carry-thought-signatures.ts) carried through an Anthropic
// client without any state on the gateway: it rides in a `redacted_thinking`
// block, Anthropic's own opaque block that clients must send back unchanged
// in the next assistant turn.
// https://platform.claude.com/docs/en/build-with-claude/extended-thinking (redacted thinking blocks)
//
//   data = "llmgw1." + base64url(JSON.stringify(provider_state))
//
// Blocks whose data lacks the marker are Anthropic's own and stay dropped.
import { AnthropicRequestError } from './errors';
import type { AnthropicRedactedThinkingBlock } from './types';

export const PROVIDER_STATE_MARKER = 'llmgw1.';
/** Longest `data` the gateway decodes: a few thought signatures are a few KiB; anything far beyond is not ours. */
export const MAX_PROVIDER_STATE_DATA = 64 * 1024;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

type State = Record<string, unknown>;

function isPlainObject(value: unknown): value is State {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of provider_state pieces (a stream's deltas each carry only their own part); later scalars win. */
export function mergeProviderState(into: State | undefined, piece: State): State {
  const out: State = { ...(into ?? {}) };
  for (const [key, value] of Object.entries(piece)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? mergeProviderState(prev, value) : value;
  }
  return out;
}

/** The block that carries `state` to the client and back. */
export function providerStateBlock(state: State): AnthropicRedactedThinkingBlock {
  return { type: 'redacted_thinking', data: PROVIDER_STATE_MARKER + Buffer.from(JSON.stringify(state), 'utf8').toString('base64url') };
}

/** True when `data` is the gateway's own (whatever its validity): the marker decides. */
export function isProviderStateData(data: string): boolean {
  return data.startsWith(PROVIDER_STATE_MARKER);
}

/** Decodes a marked block's `data`; `param` names the field for the 400 (`messages[1].content[0].data`). */
export function decodeProviderState(data: string, param: string): State {
  if (data.length > MAX_PROVIDER_STATE_DATA) {
    throw new AnthropicRequestError(`gateway state in redacted_thinking data is longer than ${MAX_PROVIDER_STATE_DATA} characters.`, param);
  }
  const payload = data.slice(PROVIDER_STATE_MARKER.length);
  const malformed = (): AnthropicRequestError =>
    new AnthropicRequestError('malformed gateway state in redacted_thinking data: send the block back exactly as the gateway returned it.', param);
  if (!BASE64URL.test(payload)) throw malformed();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!isPlainObject(parsed)) throw malformed();
  return parsed;
}
