import type { Trace } from '../../api/client';
import { formatMs } from '../../format';

/**
 * The attempts laid end to end on one time axis, scaled to the request's
 * latency. Attempts record durations, not start times, so waits between
 * them (backoff, Retry-After) show as the gap at the end.
 */
export function AttemptTimeline({ trace }: { trace: Trace }) {
  const total = Math.max(
    trace.latencyMs,
    trace.attempts.reduce((s, a) => s + a.latencyMs, 0),
    1,
  );
  let offset = 0;
  return (
    <ol class="timeline" aria-label="Attempts in order">
      {trace.attempts.map((a, i) => {
        const left = (offset / total) * 100;
        const width = Math.max((a.latencyMs / total) * 100, 0.5);
        offset += a.latencyMs;
        const ok = a.status !== null && a.status < 400 && !a.error;
        return (
          <li key={i} class={`attempt ${ok ? 'ok' : 'failed'}`} data-attempt={i + 1}>
            <div class="attempt-label">
              <strong>
                {i + 1}. {a.destinationId}
              </strong>{' '}
              {a.provider} / {a.model} · {a.status ?? 'no answer'} · {formatMs(a.latencyMs)}
              {a.error ? (
                <span class="attempt-error">
                  {' '}
                  · {a.error.type}: {a.error.message}
                </span>
              ) : null}
            </div>
            <div class="track" aria-hidden="true">
              <div class="span" style={{ marginLeft: `${left}%`, width: `${width}%` }} />
            </div>
          </li>
        );
      })}
    </ol>
  );
}
