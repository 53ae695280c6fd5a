// Labelled form controls: every control has a <label>, and its error (from
// the form or from the API) sits under it, tied by aria-describedby.
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface Common {
  label: string;
  error?: string;
  hint?: ComponentChildren;
  disabled?: boolean;
  required?: boolean;
  /** Field path, e.g. destinations[0].model: lets tests and error summaries find the control. */
  name?: string;
}

function Described({ id, error, hint }: { id: string; error?: string; hint?: ComponentChildren }) {
  return (
    <>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

function describedBy(id: string, error?: string, hint?: ComponentChildren): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

export function TextField(
  props: Common & {
    value: string;
    onInput: (value: string) => void;
    type?: 'text' | 'password' | 'url' | 'search' | 'datetime-local';
    placeholder?: string;
    autoComplete?: string;
    readOnly?: boolean;
  },
) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        // Preact's types narrow attributes by input type; these all take a string value.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it tsc cannot match the union to preact's per-type input props
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        spellcheck={false}
        disabled={props.disabled}
        readOnly={props.readOnly}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <Described id={id} error={props.error} hint={props.hint} />
    </div>
  );
}

export function TextArea(props: Common & { value: string; onInput: (value: string) => void; rows?: number; placeholder?: string }) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 3}
        value={props.value}
        placeholder={props.placeholder}
        disabled={props.disabled}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <Described id={id} error={props.error} hint={props.hint} />
    </div>
  );
}

export function NumberField(
  props: Common & { value: string; onInput: (value: string) => void; min?: number; max?: number; step?: number | 'any'; placeholder?: string },
) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type="number"
        inputMode="decimal"
        value={props.value}
        min={props.min}
        max={props.max}
        step={props.step}
        placeholder={props.placeholder}
        disabled={props.disabled}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <Described id={id} error={props.error} hint={props.hint} />
    </div>
  );
}

export function SelectField<T extends string>(props: Common & { value: T; onChange: (value: T) => void; options: Array<{ value: T; label: string }> }) {
  const id = useId();
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        disabled={props.disabled}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Described id={id} error={props.error} hint={props.hint} />
    </div>
  );
}

export function CheckboxField(props: Common & { checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div class={`field checkbox${props.error ? ' invalid' : ''}`}>
      <input
        id={id}
        name={props.name}
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={describedBy(id, props.error, props.hint)}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      <label for={id}>{props.label}</label>
      <Described id={id} error={props.error} hint={props.hint} />
    </div>
  );
}
