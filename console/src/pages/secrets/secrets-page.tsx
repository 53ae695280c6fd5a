import { useState } from 'preact/hooks';
import { ApiFailure, must, type ProviderId, type Secret } from '../../api/client';
import { fieldErrorsOf } from '../../api/field-errors';
import { useLoad } from '../../api/use-load';
import { SelectField, TextField } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { formatTime } from '../../format';
import { PROVIDER_IDS, PROVIDERS, type SecretFieldName } from '../../providers';
import { href } from '../../router';
import { useSession } from '../../session/session-context';
import { SecretValueFields, secretValueOf } from './secret-value-fields';

export function SecretsPage() {
  const { api, canEdit } = useSession();
  const list = useLoad(() => must(api.GET('/api/v1/secrets')), []);
  const [rotating, setRotating] = useState<string>();
  const [deleteProblem, setDeleteProblem] = useState<{ secret: string; error: Error }>();
  const [done, setDone] = useState<string>();

  const remove = async (s: Secret) => {
    if (!window.confirm(`Delete secret ${s.name}? This cannot be undone.`)) return;
    setDeleteProblem(undefined);
    setDone(undefined);
    try {
      await must(api.DELETE('/api/v1/secrets/{secret}', { params: { path: { secret: s.id } } }));
      setDone(`Deleted secret ${s.name}.`);
      list.reload();
    } catch (err) {
      setDeleteProblem({ secret: s.name, error: err as Error });
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>Secrets</h1>
      <p class="lead">
        Provider credentials, encrypted at rest. Values are write-only: after you save one, the console (and the API) shows only which fields it has and a
        masked hint.
      </p>
      <ErrorNotice error={list.error} />
      {done ? (
        <p class="notice ok" role="status">
          {done}
        </p>
      ) : null}
      {deleteProblem ? <DeleteProblem {...deleteProblem} /> : null}
      {!list.data ? (
        list.error ? null : (
          <Loading what="secrets" />
        )
      ) : list.data.items.length === 0 ? (
        <p class="empty">No secrets yet.</p>
      ) : (
        <table class="data">
          <caption class="visually-hidden">Secrets</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Provider</th>
              <th scope="col">Fields</th>
              <th scope="col">Hint</th>
              <th scope="col">Value set</th>
              <th scope="col">Description</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((s) => (
              <tr key={s.id} data-secret={s.name}>
                <th scope="row">{s.name}</th>
                <td>{PROVIDERS[s.provider].label}</td>
                <td>{s.fields.join(', ')}</td>
                <td>
                  <code>{s.hint}</code>
                </td>
                <td>{formatTime(s.valueRotatedAt)}</td>
                <td>{s.description ?? ''}</td>
                <td class="row-actions">
                  {canEdit ? (
                    <>
                      <button type="button" class="subtle" aria-expanded={rotating === s.id} onClick={() => setRotating(rotating === s.id ? undefined : s.id)}>
                        Rotate <span class="visually-hidden">{s.name}</span>
                      </button>
                      <button type="button" class="danger subtle" onClick={() => void remove(s)}>
                        Delete <span class="visually-hidden">{s.name}</span>
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && rotating && list.data ? (
        <RotateForm
          secret={list.data.items.find((s) => s.id === rotating)!}
          onDone={(name) => {
            setRotating(undefined);
            setDone(`Rotated ${name}: data planes use the new value with their next configuration.`);
            list.reload();
          }}
          onCancel={() => setRotating(undefined)}
        />
      ) : null}
      {canEdit ? (
        <CreateForm
          onCreated={(name) => {
            setDone(`Created secret ${name}.`);
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}

/** The 409 of a secret still in use, with the endpoints that use it. */
function DeleteProblem({ secret, error }: { secret: string; error: Error }) {
  if (!(error instanceof ApiFailure) || error.code !== 'secret_in_use') return <ErrorNotice error={error} />;
  const endpoints = error.details.map((d) => d.endpoint).filter((e): e is string => typeof e === 'string');
  return (
    <div class="notice error" role="alert">
      <strong>Secret {secret} is in use (409)</strong>
      <p>
        Endpoints still send requests with it, so deleting it would break them. Point their destinations at another secret, or delete those endpoints, then
        delete the secret:
      </p>
      <ul>
        {endpoints.map((e) => (
          <li key={e}>
            <a href={href(['endpoints', e])}>{e}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function CreateForm({ onCreated }: { onCreated: (name: string) => void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<ProviderId>('openai');
  const [description, setDescription] = useState('');
  const [value, setValue] = useState<Partial<Record<SecretFieldName, string>>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral([]);
    try {
      const created = await must(
        api.POST('/api/v1/secrets', { body: { name, provider, ...(description ? { description } : {}), value: secretValueOf(provider, value) } }),
      );
      // The value is never shown again, not even in this form.
      setName('');
      setDescription('');
      setValue({});
      onCreated(created.name);
    } catch (err) {
      const found = fieldErrorsOf(err);
      setErrors(found.fields);
      setGeneral(found.general);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="new-secret">
      <h2 id="new-secret">New secret</h2>
      <form onSubmit={submit} noValidate autoComplete="off">
        {general.length ? <ErrorNotice error={general.join('; ')} title="Not saved" /> : null}
        <div class="grid">
          <TextField label="Name" name="name" value={name} onInput={setName} error={errors.name} hint="Endpoints refer to it by this name." required />
          <SelectField
            label="Provider"
            name="provider"
            value={provider}
            onChange={(p) => {
              setProvider(p);
              setValue({});
            }}
            options={PROVIDER_IDS.map((p) => ({ value: p, label: PROVIDERS[p].label }))}
            error={errors.provider}
          />
          <TextField label="Description (optional)" name="description" value={description} onInput={setDescription} error={errors.description} />
        </div>
        <div class="grid">
          <SecretValueFields provider={provider} value={value} errors={errors} onChange={setValue} />
        </div>
        {errors.value ? <p class="field-error">{errors.value}</p> : null}
        <button type="submit" class="primary" disabled={busy}>
          Create secret
        </button>
      </form>
    </section>
  );
}

function RotateForm({ secret, onDone, onCancel }: { secret: Secret; onDone: (name: string) => void; onCancel: () => void }) {
  const { api } = useSession();
  const [value, setValue] = useState<Partial<Record<SecretFieldName, string>>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await must(
        api.PUT('/api/v1/secrets/{secret}/value', { params: { path: { secret: secret.id } }, body: { value: secretValueOf(secret.provider, value) } }),
      );
      setValue({});
      onDone(secret.name);
    } catch (err) {
      const found = fieldErrorsOf(err);
      setErrors(found.fields);
      setGeneral(found.general);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="rotate-secret">
      <h2 id="rotate-secret">Rotate {secret.name}</h2>
      <p>Enter the new value. The old one is replaced (with a new data key); endpoints keep using this secret by name.</p>
      <form onSubmit={submit} noValidate autoComplete="off">
        {general.length ? <ErrorNotice error={general.join('; ')} title="Not rotated" /> : null}
        <div class="grid">
          <SecretValueFields provider={secret.provider} value={value} errors={errors} onChange={setValue} />
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Replace value
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
