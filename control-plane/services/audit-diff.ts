// Field-level changes for audit entries: which paths changed, with the
// values before and after for what is not secret. Secret values never
// appear: a secret's value is reported only as "changed" per field, and a
// webhook URL (which often embeds a token) only by its origin. Pure.
import type { BudgetPolicyDoc } from '../models/budget-policy.model';
import type { EndpointDoc } from '../models/endpoint.model';
import type { SecretDoc } from '../models/secret.model';

export interface AuditChange {
  /** e.g. `destinations[main].weight`, `fallback.chain` */
  path: string;
  before?: unknown;
  after?: unknown;
  /** The value changed; it is secret and not shown. */
  secret?: true;
}

const MAX_VALUE_CHARS = 500;

type Shown = (path: string, value: unknown) => unknown;

/** Changes between two plain values; a subtree added or removed is one change. */
export function diffValues(before: unknown, after: unknown, show: Shown = (_p, v) => v, path = ''): AuditChange[] {
  if (sameJson(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], show, path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after) && keyedById(before) && keyedById(after)) {
    const byId = (list: Array<{ id: string }>) => new Map(list.map((x) => [x.id, x]));
    const [b, a] = [byId(before), byId(after)];
    const ids = [...new Set([...b.keys(), ...a.keys()])];
    const changes = ids.flatMap((id) => diffValues(b.get(id), a.get(id), show, `${path}[${id}]`));
    const order = (list: Array<{ id: string }>) => list.map((x) => x.id);
    if (changes.length === 0 && !sameJson(order(before), order(after))) changes.push({ path: `${path}(order)`, before: order(before), after: order(after) });
    return changes;
  }
  return [
    {
      path: path || '(all)',
      ...(before !== undefined ? { before: shown(show(path, before)) } : {}),
      ...(after !== undefined ? { after: shown(show(path, after)) } : {}),
    },
  ];
}

export function diffEndpoint(before: EndpointDoc | undefined, after: EndpointDoc | undefined): AuditChange[] {
  return diffValues(before ? endpointFields(before) : {}, after ? endpointFields(after) : {});
}

export function diffBudget(before: BudgetPolicyDoc | undefined, after: BudgetPolicyDoc | undefined): AuditChange[] {
  const fields = (d: BudgetPolicyDoc) => ({
    name: d.name,
    unit: d.unit,
    limit: d.limit,
    window: d.window,
    action: d.action,
    scope: d.scope,
    failOpen: d.failOpen,
    ...(d.webhookUrl ? { webhookUrl: d.webhookUrl } : {}),
  });
  const webhookOrigin: Shown = (path, value) => (path === 'webhookUrl' && typeof value === 'string' ? originOnly(value) : value);
  const changes = diffValues(before ? fields(before) : {}, after ? fields(after) : {}, webhookOrigin);
  // A changed token in the path or query shows no difference in the origin: say it changed anyway.
  for (const c of changes) if (c.path === 'webhookUrl' && sameJson(c.before, c.after)) c.secret = true;
  return changes;
}

/** Metadata as values; the value's fields only as "changed". */
export function diffSecret(before: SecretDoc | undefined, after: SecretDoc | undefined): AuditChange[] {
  const fields = (d: SecretDoc) => ({ name: d.name, provider: d.provider, description: d.description, allowedHosts: d.allowedHosts ?? [], fields: d.fields });
  const changes = diffValues(before ? fields(before) : {}, after ? fields(after) : {});
  const valueChanged = !before || !after || before.encrypted.ciphertext.data !== after.encrypted.ciphertext.data;
  if (valueChanged) {
    for (const f of [...new Set([...(before?.fields ?? []), ...(after?.fields ?? [])])].sort()) changes.push({ path: `value.${f}`, secret: true });
  }
  return changes;
}

function endpointFields(d: EndpointDoc) {
  const { _id: _i, version: _v, createdAt: _c, updatedAt: _u, ...rest } = d as EndpointDoc & Record<string, unknown>;
  return rest;
}

function originOnly(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(not a URL)';
  }
}

function shown(value: unknown): unknown {
  if (value === undefined) return undefined;
  // undefined for a function or a symbol, which JSON.stringify's type leaves out.
  const json = JSON.stringify(value) as string | undefined;
  return json !== undefined && json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}…` : value;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function keyedById(list: unknown[]): list is Array<{ id: string }> {
  return list.every((x) => isRecord(x) && typeof x.id === 'string');
}
