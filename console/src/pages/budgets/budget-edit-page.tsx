import { useState } from 'preact/hooks';
import { must, type Budget, type BudgetInput } from '../../api/client';
import { fieldErrorsOf } from '../../api/field-errors';
import { useLoad } from '../../api/use-load';
import { CheckboxField, NumberField, SelectField, TextField } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { href, navigate } from '../../router';
import { useSession } from '../../session/session-context';

type Unit = BudgetInput['unit'];
type WindowUnit = NonNullable<BudgetInput['window']>['unit'];
type ScopeType = 'global' | 'endpoint' | 'user' | 'run';

interface Draft {
  name: string;
  unit: Unit;
  limit: string;
  windowSize: string;
  windowUnit: WindowUnit;
  action: BudgetInput['action'];
  webhookUrl: string;
  scopeType: ScopeType;
  endpoint: string;
  user: string;
  failOpen: boolean;
}

function draftOf(b?: Budget): Draft {
  const scope = (b?.scope ?? { type: 'global' }) as { type: ScopeType; endpoint?: string; user?: string };
  return {
    name: b?.name ?? '',
    unit: b?.unit ?? 'usd',
    limit: b ? String(b.limit) : '',
    windowSize: String(b?.window.size ?? (b?.scope.type === 'run' ? 24 : 1)),
    windowUnit: b?.window.unit ?? (b?.scope.type === 'run' ? 'hours' : 'days'),
    action: b?.action ?? 'reject',
    webhookUrl: b?.webhookUrl ?? '',
    scopeType: scope.type,
    endpoint: scope.endpoint ?? '',
    user: scope.user ?? '',
    failOpen: b?.failOpen ?? false,
  };
}

function inputOf(d: Draft): { input: BudgetInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const limit = Number(d.limit);
  if (d.limit.trim() === '' || !Number.isFinite(limit) || limit < 0)
    errors.limit = d.unit === 'usd' ? 'a number of USD, 0 or more' : `a number of ${d.unit}, 0 or more`;
  const size = Number(d.windowSize);
  if (!Number.isInteger(size) || size < 1 || size > 1000) errors['window.size'] = 'a whole number from 1 to 1000';
  if (d.action === 'alert' && !d.webhookUrl.trim()) errors.webhookUrl = 'an alert budget needs a webhook URL to call';
  if (d.scopeType === 'endpoint' && !d.endpoint) errors['scope.endpoint'] = 'choose the endpoint';
  const scope: BudgetInput['scope'] =
    d.scopeType === 'global'
      ? { type: 'global' }
      : d.scopeType === 'endpoint'
        ? { type: 'endpoint', endpoint: d.endpoint }
        : d.scopeType === 'run'
          ? { type: 'run', ...(d.endpoint ? { endpoint: d.endpoint } : {}) }
          : { type: 'user', ...(d.user.trim() ? { user: d.user.trim() } : {}) };
  return {
    input: {
      name: d.name,
      unit: d.unit,
      limit,
      window: { size, unit: d.windowUnit },
      action: d.action,
      ...(d.action === 'alert' || d.webhookUrl.trim() ? { webhookUrl: d.webhookUrl.trim() } : {}),
      scope,
      failOpen: d.failOpen,
    },
    errors,
  };
}

export function BudgetEditPage({ id }: { id?: string }) {
  const { api } = useSession();
  const loaded = useLoad(async () => {
    const [endpoints, budget] = await Promise.all([
      must(api.GET('/api/v1/endpoints')),
      id ? must(api.GET('/api/v1/budgets/{id}', { params: { path: { id } } })) : Promise.resolve(undefined),
    ]);
    return { endpoints: endpoints.items.map((e) => e.name), budget };
  }, [id]);
  if (loaded.error) {
    return (
      <>
        <h1 tabIndex={-1}>Budget</h1>
        <ErrorNotice error={loaded.error} />
      </>
    );
  }
  if (!loaded.data) return <Loading what="the budget" />;
  return <BudgetForm key={id ?? 'new'} budget={loaded.data.budget} endpoints={loaded.data.endpoints} />;
}

function BudgetForm({ budget, endpoints }: { budget?: Budget; endpoints: string[] }) {
  const { api, canEdit } = useSession();
  const [d, setD] = useState<Draft>(() => draftOf(budget));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setD({ ...d, ...patch });

  const save = async (e: Event) => {
    e.preventDefault();
    const { input, errors: local } = inputOf(d);
    setErrors(local);
    setGeneral([]);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      if (budget) await must(api.PUT('/api/v1/budgets/{id}', { params: { path: { id: budget.id } }, body: input }));
      else await must(api.POST('/api/v1/budgets', { body: input }));
      navigate(['budgets']);
    } catch (err) {
      const found = fieldErrorsOf(err);
      setErrors(found.fields);
      setGeneral(found.general);
      setBusy(false);
    }
  };

  const known = new Set(['name', 'unit', 'limit', 'window.size', 'window.unit', 'action', 'webhookUrl', 'scope', 'scope.endpoint', 'scope.user', 'failOpen']);
  const unplaced = Object.entries(errors).filter(([f]) => !known.has(f));
  return (
    <>
      <p class="crumbs">
        <a href={href(['budgets'])}>Budgets</a> /
      </p>
      <h1 tabIndex={-1}>{budget ? `Budget ${budget.name}` : 'New budget'}</h1>
      {!canEdit ? <p class="notice">Read-only: your role is viewer.</p> : null}
      {general.length || unplaced.length ? (
        <div class="notice error" role="alert">
          <strong>Not saved</strong>
          <ul>
            {general.map((g) => (
              <li key={g}>{g}</li>
            ))}
            {unplaced.map(([f, m]) => (
              <li key={f}>
                {f}: {m}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form onSubmit={save} noValidate>
        <fieldset disabled={!canEdit || busy} class="plain">
          <div class="grid">
            <TextField label="Name" name="name" value={d.name} onInput={(name) => set({ name })} error={errors.name} required />
            <SelectField
              label="Counts"
              name="unit"
              value={d.unit}
              onChange={(unit) => set({ unit })}
              options={[
                { value: 'usd', label: 'Spend in USD' },
                { value: 'tokens', label: 'Tokens' },
                { value: 'calls', label: 'Model calls' },
              ]}
              error={errors.unit}
            />
            <NumberField
              label={d.unit === 'usd' ? 'Limit (USD)' : `Limit (${d.unit})`}
              name="limit"
              value={d.limit}
              onInput={(limit) => set({ limit })}
              min={0}
              step="any"
              error={errors.limit}
              required
            />
          </div>
          <fieldset class="group">
            <legend>{d.scopeType === 'run' ? "Run lifetime (the run's window closes this long after its first request)" : 'Window (UTC-aligned)'}</legend>
            <div class="grid">
              <NumberField
                label="Length"
                name="window.size"
                value={d.windowSize}
                onInput={(windowSize) => set({ windowSize })}
                min={1}
                max={1000}
                error={errors['window.size']}
              />
              <SelectField
                label="Unit"
                name="window.unit"
                value={d.windowUnit}
                onChange={(windowUnit) => set({ windowUnit })}
                options={(['minutes', 'hours', 'days', 'weeks', 'months'] as const).map((u) => ({ value: u, label: u }))}
                error={errors['window.unit']}
              />
            </div>
          </fieldset>
          <fieldset class="group">
            <legend>Applies to</legend>
            <div class="grid">
              <SelectField
                label="Scope"
                name="scope.type"
                value={d.scopeType}
                onChange={(scopeType) => set({ scopeType })}
                options={[
                  { value: 'global', label: 'All traffic' },
                  { value: 'endpoint', label: 'One endpoint' },
                  { value: 'user', label: 'Users' },
                  { value: 'run', label: 'Each agent run' },
                ]}
                error={errors.scope}
              />
              {d.scopeType === 'run' ? (
                <SelectField
                  label="Endpoint"
                  name="scope.endpoint"
                  value={d.endpoint}
                  onChange={(endpoint) => set({ endpoint })}
                  options={[{ value: '', label: 'Any endpoint' }, ...endpoints.map((e) => ({ value: e, label: e }))]}
                  error={errors['scope.endpoint']}
                />
              ) : null}
              {d.scopeType === 'endpoint' ? (
                <SelectField
                  label="Endpoint"
                  name="scope.endpoint"
                  value={d.endpoint}
                  onChange={(endpoint) => set({ endpoint })}
                  options={[{ value: '', label: 'Choose…' }, ...endpoints.map((e) => ({ value: e, label: e }))]}
                  error={errors['scope.endpoint']}
                />
              ) : null}
              {d.scopeType === 'user' ? (
                <TextField
                  label="User (empty: each user gets this budget)"
                  name="scope.user"
                  value={d.user}
                  onInput={(user) => set({ user })}
                  error={errors['scope.user']}
                />
              ) : null}
            </div>
          </fieldset>
          <fieldset class="group">
            <legend>When the limit is reached</legend>
            <div class="grid">
              <SelectField
                label="Action"
                name="action"
                value={d.action}
                onChange={(action) => set({ action })}
                options={[
                  { value: 'reject', label: 'Reject: answer 429 until the window resets' },
                  { value: 'alert', label: 'Alert: call a webhook once per window' },
                ]}
                error={errors.action}
              />
              {d.action === 'alert' ? (
                <TextField
                  label="Webhook URL"
                  name="webhookUrl"
                  type="url"
                  value={d.webhookUrl}
                  onInput={(webhookUrl) => set({ webhookUrl })}
                  placeholder="https://hooks.example.com/llm-budget"
                  error={errors.webhookUrl}
                />
              ) : null}
            </div>
            <CheckboxField
              label="Fail open: allow requests when the budget store is unreachable"
              name="failOpen"
              checked={d.failOpen}
              onChange={(failOpen) => set({ failOpen })}
              error={errors.failOpen}
            />
          </fieldset>
        </fieldset>
        {canEdit ? (
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              {budget ? 'Save changes' : 'Create budget'}
            </button>
            <a href={href(['budgets'])}>Cancel</a>
          </div>
        ) : null}
      </form>
    </>
  );
}
