import { useEffect, useState } from 'preact/hooks';
import { must, type ProviderId, type Trace } from '../../api/client';
import { useLoad } from '../../api/use-load';
import { NumberField, SelectField, TextField } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { formatCount, formatMs, formatTime, formatUsd, fromLocalInput, toLocalInput } from '../../format';
import { PROVIDER_IDS, PROVIDERS } from '../../providers';
import { href, navigate } from '../../router';
import { useSession } from '../../session/session-context';
import { asError } from '../../api/as-error';

const FILTERS = ['endpoint', 'user', 'provider', 'status', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export function TracesPage({ query }: { query: URLSearchParams }) {
  const { api } = useSession();
  const filters: Filters = Object.fromEntries(FILTERS.flatMap((k) => (query.get(k) ? [[k, query.get(k)!]] : [])));
  const key = JSON.stringify(filters);
  const endpoints = useLoad(() => must(api.GET('/api/v1/endpoints')), []);
  const [pages, setPages] = useState<{ items: Trace[]; next: string | null }>();
  const [error, setError] = useState<Error>();
  const [loadingMore, setLoadingMore] = useState(false);

  const fetchPage = (cursor?: string) =>
    must(
      api.GET('/api/v1/traces', {
        params: {
          query: {
            ...(filters.endpoint ? { endpoint: filters.endpoint } : {}),
            ...(filters.user ? { user: filters.user } : {}),
            ...(filters.provider ? { provider: filters.provider as ProviderId } : {}),
            ...(filters.status ? { status: Number(filters.status) } : {}),
            ...(filters.from ? { from: filters.from } : {}),
            ...(filters.to ? { to: filters.to } : {}),
            limit: 50,
            ...(cursor ? { cursor } : {}),
          },
        },
      }),
    );

  useEffect(() => {
    let live = true;
    setPages(undefined);
    setError(undefined);
    fetchPage().then(
      (p) => live && setPages({ items: p.items, next: p.nextCursor }),
      (e: unknown) => live && setError(asError(e)),
    );
    return () => {
      live = false;
    };
  }, [key]);

  const more = async () => {
    if (!pages?.next) return;
    setLoadingMore(true);
    try {
      const p = await fetchPage(pages.next);
      setPages({ items: [...pages.items, ...p.items], next: p.nextCursor });
    } catch (e) {
      setError(e as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>Traces</h1>
      <FilterForm key={key} filters={filters} endpoints={endpoints.data?.items.map((e) => e.name) ?? []} />
      <ErrorNotice error={error} />
      {!pages ? (
        error ? null : (
          <Loading what="traces" />
        )
      ) : pages.items.length === 0 ? (
        <p class="empty">No traces match.</p>
      ) : (
        <>
          <table class="data traces">
            <caption class="visually-hidden">Traces, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Endpoint</th>
                <th scope="col">User</th>
                <th scope="col">Provider / model</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Latency</th>
                <th scope="col">TTFT</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {pages.items.map((t) => (
                <tr key={t.id} data-trace={t.id} class={t.status >= 400 ? 'failed' : undefined}>
                  <td>
                    <a href={href(['traces', t.id])}>{formatTime(t.time)}</a>
                  </td>
                  <td>{t.endpoint}</td>
                  <td>{t.user}</td>
                  <td>{t.provider ? `${t.provider} / ${t.model ?? ''}` : '–'}</td>
                  <td>
                    {t.status}
                    {t.errorCode ? ` ${t.errorCode}` : ''}
                  </td>
                  <td>{t.attempts.length}</td>
                  <td>{formatMs(t.latencyMs)}</td>
                  <td>{formatMs(t.ttftMs)}</td>
                  <td>{formatCount(t.usage?.totalTokens)}</td>
                  <td>{formatUsd(t.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages.next ? (
            <button type="button" onClick={() => void more()} disabled={loadingMore}>
              {loadingMore ? 'Loading…' : 'Load older traces'}
            </button>
          ) : null}
        </>
      )}
    </>
  );
}

function FilterForm({ filters, endpoints }: { filters: Filters; endpoints: string[] }) {
  const [f, setF] = useState<Filters>(filters);
  const set = (patch: Filters) => setF({ ...f, ...patch });
  const endpointOptions = [...new Set([...endpoints, ...(filters.endpoint ? [filters.endpoint] : [])])];
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter traces"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(['traces'], f);
      }}
    >
      <SelectField
        label="Endpoint"
        name="endpoint"
        value={f.endpoint ?? ''}
        onChange={(endpoint) => set({ endpoint })}
        options={[{ value: '', label: 'Any' }, ...endpointOptions.map((e) => ({ value: e, label: e }))]}
      />
      <TextField label="User" name="user" value={f.user ?? ''} onInput={(user) => set({ user })} />
      <SelectField
        label="Provider"
        name="provider"
        value={f.provider ?? ''}
        onChange={(provider) => set({ provider })}
        options={[{ value: '', label: 'Any' }, ...PROVIDER_IDS.map((p) => ({ value: p, label: PROVIDERS[p].label }))]}
      />
      <NumberField label="Status" name="status" value={f.status ?? ''} onInput={(status) => set({ status })} min={0} max={599} placeholder="any" />
      <TextField label="From" name="from" type="datetime-local" value={toLocalInput(f.from)} onInput={(v) => set({ from: fromLocalInput(v) })} />
      <TextField label="To" name="to" type="datetime-local" value={toLocalInput(f.to)} onInput={(v) => set({ to: fromLocalInput(v) })} />
      <div class="actions">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <a href={href(['traces'])}>Clear</a>
      </div>
    </form>
  );
}
