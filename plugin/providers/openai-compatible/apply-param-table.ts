// Declarative parameter tables: how an OpenAI-compatible provider differs
// from OpenAI on plain fields. Structural conversion does not belong here.
//
//   params: {
//     max_completion_tokens: { rename: 'max_tokens' },
//     seed: { rename: 'random_seed' },
//     tool_choice: { values: { required: 'any' } },
//     user: { drop: true },
//     temperature: { clamp: { max: 1 } },
//   }

export interface ParamRule {
  /** Never send this field. */
  drop?: boolean;
  /** Send the value under another name (an explicit value under that name wins). */
  rename?: string;
  /** Replace string values (e.g. tool_choice 'required' -> 'any'). */
  values?: Record<string, unknown>;
  /** Clamp numeric values into the provider's range. */
  clamp?: { min?: number; max?: number };
  /** Value to send when the client did not set the field. */
  default?: unknown;
}

export type ParamTable = Record<string, ParamRule>;

export function applyParamTable(body: Record<string, unknown>, table: ParamTable): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const [field, rule] of Object.entries(table)) {
    if (out[field] === undefined && rule.default !== undefined) out[field] = rule.default;
    if (out[field] === undefined) continue;
    if (rule.drop) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing the fields the table names is this function's job
      delete out[field];
      continue;
    }
    let value: unknown = out[field];
    if (rule.values && typeof value === 'string' && value in rule.values) value = rule.values[value];
    if (rule.clamp && typeof value === 'number') {
      let n = value;
      if (rule.clamp.min !== undefined) n = Math.max(rule.clamp.min, n);
      if (rule.clamp.max !== undefined) n = Math.min(rule.clamp.max, n);
      value = n;
    }
    if (rule.rename) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- as above
      delete out[field];
      if (out[rule.rename] === undefined) out[rule.rename] = value;
    } else {
      out[field] = value;
    }
  }
  return out;
}
