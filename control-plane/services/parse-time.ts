import { invalidField } from '../errors';

/** RFC 3339 strings the schema accepts but JavaScript cannot represent (e.g. leap second :60) become a 400, not a 500. */
export function parseTime(field: string, value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidField(field, `'${value}' is not a representable date-time`);
  return date;
}
