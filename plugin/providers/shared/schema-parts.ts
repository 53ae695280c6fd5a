// Small JSON-schema pieces the providers' response schemas share.
export const str = { type: 'string' } as const;
export const num = { type: 'number' } as const;
/** A count a provider may send as null (read as 0). */
export const count = { type: ['number', 'null'] } as const;
export const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required }) as const;
export const arrayOf = (items: Record<string, unknown>) => ({ type: 'array', items }) as const;
/** Requires `then` of a member whose `type` is `value`. */
export const whenType = (value: string, then: Record<string, unknown>) => ({ if: { properties: { type: { const: value } }, required: ['type'] }, then });
