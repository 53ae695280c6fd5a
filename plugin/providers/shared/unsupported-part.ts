import type { ContentPart } from '../../openai/types';
import type { GatewayError } from '../contract';
import { invalidRequest } from './errors';

/** The 400 for a content part a provider cannot take (audio on Anthropic, files on Cohere...). */
export function unsupportedPart(part: ContentPart, provider: string, at: string): GatewayError {
  return invalidRequest(`${provider} does not accept ${part.type} content parts`, `${at}.type`);
}
