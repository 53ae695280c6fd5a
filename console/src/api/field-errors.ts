import { ApiFailure } from './client';

/**
 * The API's per-field errors keyed like the form's fields: the validator
 * says `body.destinations[0].weight`, the services `destinations[0].weight`.
 * Errors without a field stay in `general`.
 */
export function fieldErrorsOf(error: unknown): { fields: Record<string, string>; general: string[] } {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  if (!(error instanceof ApiFailure)) {
    if (error instanceof Error) general.push(error.message);
    return { fields, general };
  }
  if (error.details.length === 0) general.push(error.message);
  for (const d of error.details) {
    const field = d.field?.replace(/^body\.?/, '');
    if (field) fields[field] = fields[field] ? `${fields[field]}; ${d.message}` : d.message;
    else general.push(d.message);
  }
  return { fields, general };
}
