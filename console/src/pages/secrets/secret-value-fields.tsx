import type { ProviderId } from '../../api/client';
import { TextField } from '../../components/fields';
import { PROVIDERS, SECRET_FIELD_LABELS, type SecretFieldName } from '../../providers';

/** Password inputs for a provider's credential fields; the browser is asked not to store them. */
export function SecretValueFields({
  provider,
  value,
  errors,
  onChange,
}: {
  provider: ProviderId;
  value: Partial<Record<SecretFieldName, string>>;
  errors: Record<string, string>;
  onChange: (v: Partial<Record<SecretFieldName, string>>) => void;
}) {
  const { required, optional } = PROVIDERS[provider].secretFields;
  if (required.length + optional.length === 0) return <p class="hint">This provider needs no credentials.</p>;
  return (
    <>
      {[...required, ...optional].map((f) => (
        <TextField
          key={f}
          label={`${SECRET_FIELD_LABELS[f]}${required.includes(f) ? '' : ' (optional)'}`}
          name={`value.${f}`}
          type={f === 'region' || f === 'resource' ? 'text' : 'password'}
          autoComplete="new-password"
          value={value[f] ?? ''}
          onInput={(v) => onChange({ ...value, [f]: v })}
          error={errors[`value.${f}`]}
          required={required.includes(f)}
        />
      ))}
    </>
  );
}

/** Only the fields this provider uses, without empty ones. */
export function secretValueOf(provider: ProviderId, value: Partial<Record<SecretFieldName, string>>): Record<string, string> {
  const { required, optional } = PROVIDERS[provider].secretFields;
  const out: Record<string, string> = {};
  for (const f of [...required, ...optional]) if (value[f]) out[f] = value[f]!;
  return out;
}
