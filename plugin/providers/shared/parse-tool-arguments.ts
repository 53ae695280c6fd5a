import { invalidRequest } from './errors';

/** OpenAI sends tool-call arguments as JSON text; providers that want an object get it here (blank is `{}`). */
export function parseToolArguments(args: string, param: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw invalidRequest('Tool call arguments must be a JSON object', param);
}
