// Features of OpenAI's request the gateway cannot carry to a provider that
// lacks them, refused with a 400 naming the field rather than answered
// without them. Hints with no effect on the answer (`prediction`, `store`,
// `metadata`, `service_tier`, `prompt_cache_key`, `verbosity`, `logit_bias`)
// are left out silently: the answer is the same without them.
import type { ChatRequest } from '../../openai/types';
import { invalidRequest } from './errors';

export function refuseOpenAiOnlyFeatures(req: ChatRequest, provider: string): void {
  if (req.logprobs === true) throw invalidRequest(`${provider} does not return log probabilities; leave logprobs unset or false`, 'logprobs');
  if (typeof req.top_logprobs === 'number' && req.top_logprobs > 0) {
    throw invalidRequest(`${provider} does not return log probabilities; leave top_logprobs unset`, 'top_logprobs');
  }
  if (req.modalities?.includes('audio')) throw invalidRequest(`${provider} answers with text only; modalities must be ["text"]`, 'modalities');
}
