import { useEffect, useRef, useState } from 'preact/hooks';
import { must, type Endpoint, type Secret } from '../../api/client';
import { fieldErrorsOf } from '../../api/field-errors';
import { useLoad } from '../../api/use-load';
import { CheckboxField, NumberField, SelectField, TextField } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { href, navigate } from '../../router';
import { useSession } from '../../session/session-context';
import { DestinationEditor } from './destination-editor';
import {
  draftFromEndpoint,
  emptyDraft,
  endpointFromDraft,
  evenWeights,
  newDestination,
  removeDestination,
  renameDestination,
  setWeight,
  TRIGGERS,
  weightSum,
  type EndpointDraft,
} from './endpoint-draft';
import { FallbackChainEditor } from './fallback-chain-editor';

/** Create (name undefined) or edit an endpoint; read-only for viewers. */
export function EndpointEditPage({ name }: { name?: string }) {
  const { api } = useSession();
  const loaded = useLoad(async () => {
    const [secrets, endpoint] = await Promise.all([
      must(api.GET('/api/v1/secrets')),
      name ? must(api.GET('/api/v1/endpoints/{name}', { params: { path: { name } } })) : Promise.resolve(undefined),
    ]);
    return { secrets: secrets.items, endpoint };
  }, [name]);
  if (loaded.error) {
    return (
      <>
        <h1 tabIndex={-1}>{name ? `Endpoint ${name}` : 'New endpoint'}</h1>
        <ErrorNotice error={loaded.error} />
      </>
    );
  }
  if (!loaded.data) return <Loading what="the endpoint" />;
  return <EndpointForm key={name ?? 'new'} endpoint={loaded.data.endpoint} secrets={loaded.data.secrets} />;
}

function EndpointForm({ endpoint, secrets }: { endpoint?: Endpoint; secrets: Secret[] }) {
  const { api, canEdit } = useSession();
  const [draft, setDraft] = useState<EndpointDraft>(() => (endpoint ? draftFromEndpoint(endpoint) : emptyDraft()));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string>();
  const creating = !endpoint;
  const sum = weightSum(draft);

  useEffect(() => setSaved(undefined), [draft]);
  // After a refused save, take keyboard and screen-reader focus to the list of what to fix.
  const summary = useRef<HTMLDivElement>(null);
  useEffect(() => summary.current?.focus(), [errors, general]);

  const save = async (e: Event) => {
    e.preventDefault();
    const { input, errors: local } = endpointFromDraft(draft);
    setErrors(local);
    setGeneral([]);
    if (Object.keys(local).length) {
      setGeneral([]);
      return;
    }
    setSaving(true);
    try {
      const result = creating
        ? await must(api.POST('/api/v1/endpoints', { body: input }))
        : await must(api.PUT('/api/v1/endpoints/{name}', { params: { path: { name: endpoint.name } }, body: input }));
      setSaving(false);
      if (creating) navigate(['endpoints', result.name]);
      else {
        setDraft(draftFromEndpoint(result));
        setSaved(`Saved: version ${result.version}. Data planes pick it up within a second.`);
      }
    } catch (err) {
      setSaving(false);
      const found = fieldErrorsOf(err);
      setErrors(found.fields);
      setGeneral(found.general);
    }
  };

  const fieldErrors = Object.entries(errors);
  return (
    <>
      <p class="crumbs">
        <a href={href(['endpoints'])}>Endpoints</a> /
      </p>
      <h1 tabIndex={-1}>{creating ? 'New endpoint' : `Endpoint ${endpoint.name}`}</h1>
      {!canEdit ? <p class="notice">Read-only: your role is viewer.</p> : null}
      {general.length || fieldErrors.length ? (
        <div class="notice error" role="alert" tabIndex={-1} ref={summary}>
          <strong>Not saved</strong>
          <ul>
            {general.map((g) => (
              <li key={g}>{g}</li>
            ))}
            {fieldErrors.map(([f, m]) => (
              <li key={f}>
                {f.replace(/^destinations\[(\d+)\]\.?/, (_, i: string) => `Destination ${Number(i) + 1} › `)}: {m}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {saved ? (
        <p class="notice ok" role="status">
          {saved}
        </p>
      ) : null}
      <form onSubmit={save} noValidate>
        <fieldset disabled={!canEdit || saving} class="plain">
          <section>
            <h2>Endpoint</h2>
            <div class="grid">
              <TextField
                label="Name"
                name="name"
                value={draft.name}
                onInput={(v) => setDraft({ ...draft, name: v })}
                readOnly={!creating}
                error={errors.name}
                hint="Clients send it as the model."
                required
              />
              <SelectField
                label="Kind"
                name="kind"
                value={draft.kind}
                onChange={(kind) => setDraft({ ...draft, kind })}
                options={[
                  { value: 'chat', label: 'Chat completions' },
                  { value: 'embeddings', label: 'Embeddings' },
                ]}
                error={errors.kind}
              />
            </div>
            <CheckboxField label="Enabled" name="enabled" checked={draft.enabled} onChange={(enabled) => setDraft({ ...draft, enabled })} />
            <CheckboxField
              label="Log request and response payloads in traces (16 KiB cap)"
              name="logPayloads"
              checked={draft.logPayloads}
              onChange={(logPayloads) => setDraft({ ...draft, logPayloads })}
            />
          </section>

          <section>
            <h2>Destinations and split</h2>
            <p class={`weight-sum${sum === 100 ? ' ok' : ' bad'}`} role="status" aria-live="polite">
              Weights sum to {sum}
              {sum === 100 ? ' ✓' : ' — they must sum to 100'}
            </p>
            {errors.destinations ? <p class="field-error">{errors.destinations}</p> : null}
            {draft.destinations.map((d, i) => (
              <DestinationEditor
                key={d.key}
                index={i}
                value={d}
                secrets={secrets}
                errors={errors}
                onChange={(next) => setDraft({ ...draft, destinations: draft.destinations.map((x, k) => (k === i ? next : x)) })}
                onId={(id) => setDraft(renameDestination(draft, i, id))}
                onWeight={(w) => setDraft(setWeight(draft, i, w))}
                onRemove={draft.destinations.length > 1 ? () => setDraft(removeDestination(draft, i)) : undefined}
              />
            ))}
            {canEdit ? (
              <div class="inline">
                <button
                  type="button"
                  onClick={() => setDraft({ ...draft, destinations: [...draft.destinations, newDestination(draft.destinations.length, 0)] })}
                  disabled={draft.destinations.length >= 50}
                >
                  Add destination
                </button>
                <button
                  type="button"
                  onClick={() => {
                    const w = evenWeights(draft.destinations.length);
                    setDraft({ ...draft, destinations: draft.destinations.map((d, i) => ({ ...d, weight: w[i]! })) });
                  }}
                >
                  Split evenly
                </button>
              </div>
            ) : null}
            <SelectField
              label="Stickiness"
              name="stickiness.by"
              value={draft.stickiness}
              onChange={(stickiness) => setDraft({ ...draft, stickiness })}
              options={[
                { value: 'none', label: 'None: a random pick per request' },
                { value: 'user', label: 'By user: each user keeps a destination' },
                { value: 'header', label: 'By a request header' },
              ]}
              error={errors['stickiness.by']}
            />
            {draft.stickiness === 'header' ? (
              <TextField
                label="Sticky header"
                name="stickiness.header"
                value={draft.stickyHeader}
                onInput={(stickyHeader) => setDraft({ ...draft, stickyHeader })}
                placeholder="x-session-id"
                error={errors['stickiness.header']}
              />
            ) : null}
          </section>

          <section>
            <h2>Fallback</h2>
            <FallbackChainEditor draft={draft} errors={errors} onChange={setDraft} />
            <NumberField
              label="Maximum attempts"
              name="fallback.maxAttempts"
              value={draft.maxAttempts}
              onInput={(maxAttempts) => setDraft({ ...draft, maxAttempts })}
              min={1}
              max={10}
              error={errors['fallback.maxAttempts']}
            />
            <fieldset class="group">
              <legend>Fall back on</legend>
              {TRIGGERS.map((t) => (
                <CheckboxField
                  key={t.value}
                  label={t.label}
                  name={`fallback.triggers.${t.value}`}
                  checked={draft.triggers.includes(t.value)}
                  onChange={(on) => setDraft({ ...draft, triggers: on ? [...draft.triggers, t.value] : draft.triggers.filter((x) => x !== t.value) })}
                />
              ))}
              {errors['fallback.triggers'] ? <p class="field-error">{errors['fallback.triggers']}</p> : null}
            </fieldset>
          </section>

          <section>
            <h2>Rate limits</h2>
            <div class="grid">
              <NumberField
                label="Requests per minute"
                name="rateLimits.requestsPerMinute"
                value={draft.requestsPerMinute}
                onInput={(requestsPerMinute) => setDraft({ ...draft, requestsPerMinute })}
                min={1}
                placeholder="no limit"
                error={errors['rateLimits.requestsPerMinute']}
              />
              <NumberField
                label="Tokens per minute"
                name="rateLimits.tokensPerMinute"
                value={draft.tokensPerMinute}
                onInput={(tokensPerMinute) => setDraft({ ...draft, tokensPerMinute })}
                min={1}
                placeholder="no limit"
                error={errors['rateLimits.tokensPerMinute']}
              />
              <SelectField
                label="Limits apply"
                name="rateLimits.per"
                value={draft.ratePer}
                onChange={(ratePer) => setDraft({ ...draft, ratePer })}
                options={[
                  { value: 'endpoint', label: 'To the whole endpoint' },
                  { value: 'user', label: 'To each user' },
                  { value: 'run', label: 'To each agent run' },
                ]}
              />
            </div>
          </section>
        </fieldset>
        {canEdit ? (
          <div class="actions">
            <button type="submit" class="primary" disabled={saving}>
              {saving ? 'Saving…' : creating ? 'Create endpoint' : 'Save changes'}
            </button>
            <a href={href(['endpoints'])}>Cancel</a>
          </div>
        ) : null}
      </form>
    </>
  );
}
