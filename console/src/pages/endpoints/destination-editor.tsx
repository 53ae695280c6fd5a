import type { Secret } from '../../api/client';
import { CheckboxField, NumberField, SelectField, TextField } from '../../components/fields';
import { href } from '../../router';
import { PROVIDER_IDS, PROVIDERS } from '../../providers';
import type { DestinationDraft } from './endpoint-draft';

interface Props {
  index: number;
  value: DestinationDraft;
  secrets: Secret[];
  errors: Record<string, string>;
  onChange: (next: DestinationDraft) => void;
  onId: (id: string) => void;
  onWeight: (weight: number) => void;
  onRemove?: () => void;
}

/** One destination: the provider picker decides which secrets and options are offered. */
export function DestinationEditor({ index, value, secrets, errors, onChange, onId, onWeight, onRemove }: Props) {
  const at = `destinations[${index}]`;
  const info = PROVIDERS[value.provider];
  const fitting = secrets.filter((s) => s.provider === value.provider);
  const set = (patch: Partial<DestinationDraft>) => onChange({ ...value, ...patch });
  const secretOptions = [
    { value: '', label: info.secretOptional ? 'No secret (none needed)' : 'Choose a secret…' },
    ...fitting.map((s) => ({ value: s.id, label: `${s.name} (${s.hint})` })),
  ];

  return (
    <fieldset class="destination" data-destination={value.id}>
      <legend>
        Destination {index + 1}
        {value.id ? `: ${value.id}` : ''}
      </legend>
      <div class="grid">
        <TextField
          label="ID"
          name={`${at}.id`}
          value={value.id}
          onInput={onId}
          error={errors[`${at}.id`]}
          hint="Names it in the fallback chain and traces."
          required
        />
        <SelectField
          label="Provider"
          name={`${at}.provider`}
          value={value.provider}
          // A secret belongs to one provider: changing the provider drops the choice.
          onChange={(provider) => set({ provider, secret: '' })}
          options={PROVIDER_IDS.map((p) => ({ value: p, label: PROVIDERS[p].label }))}
          error={errors[`${at}.provider`]}
        />
        <TextField
          label="Model"
          name={`${at}.model`}
          value={value.model}
          onInput={(model) => set({ model })}
          placeholder={info.modelPlaceholder}
          error={errors[`${at}.model`]}
          required
        />
        <SelectField
          label={info.secretOptional ? 'Secret (optional)' : 'Secret'}
          name={`${at}.secret`}
          value={value.secret}
          onChange={(secret) => set({ secret })}
          options={secretOptions}
          error={errors[`${at}.secret`]}
          hint={
            fitting.length === 0 && !info.secretOptional ? (
              <>
                No {info.label} secret yet: <a href={href(['secrets'])}>create one</a>.
              </>
            ) : undefined
          }
        />
        {info.options.map((opt) => (
          <TextField
            key={opt.name}
            label={opt.label}
            name={`${at}.options.${opt.name}`}
            value={value.options[opt.name]}
            onInput={(v) => set({ options: { ...value.options, [opt.name]: v } })}
            placeholder={opt.placeholder}
            hint={opt.hint}
            error={errors[`${at}.options.${opt.name}`]}
            required={opt.required}
          />
        ))}
        <NumberField
          label="Timeout per attempt (ms)"
          name={`${at}.timeoutMs`}
          value={value.timeoutMs}
          onInput={(timeoutMs) => set({ timeoutMs })}
          min={100}
          max={600000}
          step={100}
          error={errors[`${at}.timeoutMs`]}
        />
      </div>

      <WeightControl index={index} id={value.id} weight={value.weight} onWeight={onWeight} error={errors[`${at}.weight`]} />

      <CheckboxField
        label="Override the price (USD per million tokens)"
        name={`${at}.priceOverride`}
        checked={value.priceOverride}
        onChange={(priceOverride) => set({ priceOverride })}
        hint="Otherwise the maintained price table prices this model."
      />
      {value.priceOverride ? (
        <div class="grid">
          <NumberField
            label="Input price per million tokens (USD)"
            name={`${at}.price.inputPerMTok`}
            value={value.inputPerMTok}
            onInput={(inputPerMTok) => set({ inputPerMTok })}
            min={0}
            step="any"
            error={errors[`${at}.price.inputPerMTok`]}
          />
          <NumberField
            label="Output price per million tokens (USD)"
            name={`${at}.price.outputPerMTok`}
            value={value.outputPerMTok}
            onInput={(outputPerMTok) => set({ outputPerMTok })}
            min={0}
            step="any"
            error={errors[`${at}.price.outputPerMTok`]}
          />
        </div>
      ) : null}

      <HeadersEditor at={at} value={value} errors={errors} onChange={(headers) => set({ headers })} />

      {onRemove ? (
        <button type="button" class="danger subtle" onClick={onRemove}>
          Remove destination {value.id || index + 1}
        </button>
      ) : null}
    </fieldset>
  );
}

function WeightControl({ index, id, weight, onWeight, error }: { index: number; id: string; weight: number; onWeight: (w: number) => void; error?: string }) {
  const rangeId = `weight-range-${index}`;
  const numberId = `weight-number-${index}`;
  return (
    <div class={`field weight${error ? ' invalid' : ''}`}>
      <label for={rangeId}>Weight of {id || `destination ${index + 1}`} (%)</label>
      <div class="weight-row">
        <input
          id={rangeId}
          name={`destinations[${index}].weight`}
          type="range"
          min={0}
          max={100}
          step={1}
          value={weight}
          onInput={(e) => onWeight(Number(e.currentTarget.value))}
        />
        <label class="visually-hidden" for={numberId}>
          Weight of {id || `destination ${index + 1}`} as a number
        </label>
        <input
          id={numberId}
          type="number"
          min={0}
          max={100}
          step={1}
          value={weight}
          onInput={(e) => {
            const v = e.currentTarget.value;
            if (v !== '') onWeight(Number(v));
          }}
        />
        <span aria-hidden="true">%</span>
      </div>
      {error ? <p class="field-error">{error}</p> : null}
    </div>
  );
}

function HeadersEditor({
  at,
  value,
  errors,
  onChange,
}: {
  at: string;
  value: DestinationDraft;
  errors: Record<string, string>;
  onChange: (h: DestinationDraft['headers']) => void;
}) {
  const rows = value.headers;
  return (
    <div class="headers-editor">
      <p class="subhead">Extra provider headers {rows.length === 0 ? '(none)' : ''}</p>
      {rows.map((h, j) => (
        <div class="header-row" key={j}>
          <TextField
            label={`Header ${j + 1} name`}
            value={h.name}
            onInput={(name) => onChange(rows.map((r, k) => (k === j ? { ...r, name } : r)))}
            error={errors[`${at}.options.headers[${j}]`]}
          />
          <TextField label={`Header ${j + 1} value`} value={h.value} onInput={(v) => onChange(rows.map((r, k) => (k === j ? { ...r, value: v } : r)))} />
          <button type="button" class="subtle" onClick={() => onChange(rows.filter((_, k) => k !== j))}>
            Remove header {j + 1}
          </button>
        </div>
      ))}
      <button type="button" class="subtle" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add header
      </button>
      {errors[`${at}.options.headers`] ? <p class="field-error">{errors[`${at}.options.headers`]}</p> : null}
    </div>
  );
}
