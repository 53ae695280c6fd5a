import { must } from '../../api/client';
import { useLoad } from '../../api/use-load';
import { ErrorNotice, Loading } from '../../components/notices';
import { formatCount, formatMs, formatTime, formatUsd } from '../../format';
import { href } from '../../router';
import { useSession } from '../../session/session-context';
import { AttemptTimeline } from './attempt-timeline';

export function TraceDetailPage({ id }: { id: string }) {
  const { api } = useSession();
  const trace = useLoad(() => must(api.GET('/api/v1/traces/{id}', { params: { path: { id } } })), [id]);
  const t = trace.data;
  return (
    <>
      <p class="crumbs">
        <a href={href(['traces'])}>Traces</a> /
      </p>
      <h1 tabIndex={-1}>Trace {id}</h1>
      <ErrorNotice error={trace.error} />
      {!t ? (
        trace.error ? null : (
          <Loading what="the trace" />
        )
      ) : (
        <>
          <dl class="facts trace-facts">
            <dt>Time</dt>
            <dd>{formatTime(t.time)}</dd>
            <dt>Endpoint</dt>
            <dd>
              <a href={href(['traces'], { endpoint: t.endpoint })}>{t.endpoint}</a> ({t.kind}, {t.ingress} API{t.stream ? ', streamed' : ''})
            </dd>
            <dt>User</dt>
            <dd>{t.user}</dd>
            <dt>Status</dt>
            <dd data-fact="status">
              {t.status}
              {t.errorCode ? ` (${t.errorCode})` : ''}
            </dd>
            <dt>Served by</dt>
            <dd data-fact="provider">{t.provider ? `${t.provider} / ${t.model}` : 'nobody'}</dd>
            <dt>Latency</dt>
            <dd>{formatMs(t.latencyMs)}</dd>
            <dt>Time to first token</dt>
            <dd data-fact="ttft">{formatMs(t.ttftMs)}</dd>
            <dt>Gateway overhead</dt>
            <dd>{formatMs(t.overheadMs)}</dd>
            <dt>Tokens</dt>
            <dd data-fact="tokens">
              {t.usage
                ? `${formatCount(t.usage.promptTokens)} prompt${t.usage.cachedTokens ? ` (${formatCount(t.usage.cachedTokens)} cached)` : ''} + ${formatCount(t.usage.completionTokens)} completion${
                    t.usage.reasoningTokens ? ` (${formatCount(t.usage.reasoningTokens)} reasoning)` : ''
                  } = ${formatCount(t.usage.totalTokens)}`
                : '–'}
            </dd>
            <dt>Cost</dt>
            <dd data-fact="cost">{formatUsd(t.costUsd)}</dd>
            {t.budget ? (
              <>
                <dt>Budget</dt>
                <dd>
                  reserved {formatUsd(t.budget.reservedUsd)} / {formatCount(t.budget.reservedTokens)} tokens, charged {formatUsd(t.budget.chargedUsd)} /{' '}
                  {formatCount(t.budget.chargedTokens)} tokens
                </dd>
              </>
            ) : null}
            {t.runId ? (
              <>
                <dt>Agent run</dt>
                <dd>{t.runId}</dd>
              </>
            ) : null}
            {t.traceparent ? (
              <>
                <dt>traceparent</dt>
                <dd>
                  <code>{t.traceparent}</code>
                </dd>
              </>
            ) : null}
          </dl>
          <section aria-labelledby="attempts-title">
            <h2 id="attempts-title">Attempts ({t.attempts.length})</h2>
            {t.attempts.length ? <AttemptTimeline trace={t} /> : <p class="hint">No provider was called (rejected before routing).</p>}
          </section>
          <section aria-labelledby="payloads-title">
            <h2 id="payloads-title">Payloads</h2>
            {t.request || t.response ? (
              <>
                <h3>Request</h3>
                <pre class="payload">{t.request ?? '–'}</pre>
                <h3>Response</h3>
                <pre class="payload">{t.response ?? '–'}</pre>
              </>
            ) : (
              <p class="hint">Not logged: the endpoint does not log payloads.</p>
            )}
          </section>
        </>
      )}
    </>
  );
}
