import { useId, useState } from 'preact/hooks';
import type { EndpointDraft } from './endpoint-draft';
import { moveInChain } from './endpoint-draft';

/** The ordered fallback chain: add destinations, reorder with the arrow buttons, remove. */
export function FallbackChainEditor({
  draft,
  errors,
  onChange,
}: {
  draft: EndpointDraft;
  errors: Record<string, string>;
  onChange: (d: EndpointDraft) => void;
}) {
  const ids = draft.destinations.map((d) => d.id).filter(Boolean);
  const [pick, setPick] = useState('');
  const selectId = useId();
  const choice = ids.includes(pick) ? pick : (ids[0] ?? '');

  return (
    <div class="chain">
      {draft.chain.length === 0 ? <p class="hint">No fallback: a failed attempt is the answer.</p> : null}
      <ol aria-label="Fallback order">
        {draft.chain.map((id, i) => (
          <li key={`${id}-${i}`} class={errors[`fallback.chain[${i}]`] ? 'invalid' : undefined}>
            <span class="chain-id">{id}</span>
            <button type="button" class="icon" aria-label={`Move ${id} up`} disabled={i === 0} onClick={() => onChange(moveInChain(draft, i, -1))}>
              ↑
            </button>
            <button
              type="button"
              class="icon"
              aria-label={`Move ${id} down`}
              disabled={i === draft.chain.length - 1}
              onClick={() => onChange(moveInChain(draft, i, 1))}
            >
              ↓
            </button>
            <button
              type="button"
              class="icon"
              aria-label={`Remove ${id} from the chain`}
              onClick={() => onChange({ ...draft, chain: draft.chain.filter((_, k) => k !== i) })}
            >
              ✕
            </button>
            {errors[`fallback.chain[${i}]`] ? <span class="field-error">{errors[`fallback.chain[${i}]`]}</span> : null}
          </li>
        ))}
      </ol>
      <div class="inline">
        <div class="field">
          <label for={selectId}>Destination to add to the chain</label>
          <select id={selectId} value={choice} onChange={(e) => setPick(e.currentTarget.value)} disabled={ids.length === 0}>
            {ids.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </div>
        <button type="button" disabled={!choice || draft.chain.length >= 20} onClick={() => onChange({ ...draft, chain: [...draft.chain, choice] })}>
          Add to chain
        </button>
      </div>
      {errors['fallback.chain'] ? <p class="field-error">{errors['fallback.chain']}</p> : null}
    </div>
  );
}
