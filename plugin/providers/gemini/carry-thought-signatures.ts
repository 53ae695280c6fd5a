// Thought signatures travel through the client as `provider_state.gemini` on
// the assistant message; the client sends the message back unchanged next
// turn and the gateway puts each signature on the matching part again.
// Reference: https://ai.google.dev/gemini-api/docs/thought-signatures
import type { GeminiProviderState } from './types';

export function readGeminiState(state: Record<string, unknown> | undefined): GeminiProviderState {
  const raw = state?.gemini;
  if (typeof raw !== 'object' || raw === null) return {};
  const value = raw as Record<string, unknown>;
  const out: GeminiProviderState = {};
  if (typeof value.toolCallSignatures === 'object' && value.toolCallSignatures !== null) {
    const sigs: Record<string, string> = {};
    for (const [id, sig] of Object.entries(value.toolCallSignatures as Record<string, unknown>)) {
      if (typeof sig === 'string') sigs[id] = sig;
    }
    out.toolCallSignatures = sigs;
  }
  if (typeof value.textSignature === 'string') out.textSignature = value.textSignature;
  return out;
}

/** `provider_state` for a message or delta, or undefined when there is nothing to carry. */
export function toProviderState(state: GeminiProviderState): Record<string, unknown> | undefined {
  const hasToolSigs = state.toolCallSignatures !== undefined && Object.keys(state.toolCallSignatures).length > 0;
  if (!hasToolSigs && state.textSignature === undefined) return undefined;
  const gemini: GeminiProviderState = {};
  if (hasToolSigs) gemini.toolCallSignatures = state.toolCallSignatures;
  if (state.textSignature !== undefined) gemini.textSignature = state.textSignature;
  return { gemini };
}
