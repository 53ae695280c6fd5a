import { useEffect, useState } from 'preact/hooks';
import { must, type AuditEntry } from '../../api/client';
import { SelectField, TextField } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { formatTime } from '../../format';
import { href, navigate } from '../../router';
import { useSession } from '../../session/session-context';
import { asError } from '../../api/as-error';

type TargetType = 'secret' | 'endpoint' | 'budget';

/** Admin changes, newest first (the API answers 403 to viewers, and this page says so). */
export function AuditPage({ query }: { query: URLSearchParams }) {
  const { api } = useSession();
  const actor = query.get('actor') ?? '';
  const targetType = (query.get('targetType') ?? '') as TargetType | '';
  const [page, setPage] = useState<{ items: AuditEntry[]; next: string | null }>();
  const [error, setError] = useState<Error>();
  const [filterActor, setFilterActor] = useState(actor);
  const [filterType, setFilterType] = useState<TargetType | ''>(targetType);

  const fetchPage = (cursor?: string) =>
    must(
      api.GET('/api/v1/audit', {
        params: { query: { ...(actor ? { actor } : {}), ...(targetType ? { targetType } : {}), limit: 50, ...(cursor ? { cursor } : {}) } },
      }),
    );

  useEffect(() => {
    let live = true;
    setPage(undefined);
    setError(undefined);
    fetchPage().then(
      (p) => live && setPage({ items: p.items, next: p.nextCursor }),
      (e: unknown) => live && setError(asError(e)),
    );
    return () => {
      live = false;
    };
  }, [actor, targetType]);

  return (
    <>
      <h1 tabIndex={-1}>Audit log</h1>
      <form
        class="filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(['audit'], { actor: filterActor, targetType: filterType });
        }}
      >
        <TextField label="Actor (JWT subject)" name="actor" value={filterActor} onInput={setFilterActor} />
        <SelectField
          label="Target"
          name="targetType"
          value={filterType}
          onChange={setFilterType}
          options={[
            { value: '', label: 'Any' },
            { value: 'endpoint', label: 'Endpoints' },
            { value: 'secret', label: 'Secrets' },
            { value: 'budget', label: 'Budgets' },
          ]}
        />
        <div class="actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <a href={href(['audit'])}>Clear</a>
        </div>
      </form>
      <ErrorNotice error={error} />
      {!page ? (
        error ? null : (
          <Loading what="the audit log" />
        )
      ) : page.items.length === 0 ? (
        <p class="empty">No changes recorded.</p>
      ) : (
        <>
          <table class="data">
            <caption class="visually-hidden">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Summary</th>
                <th scope="col">Request</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((a) => (
                <tr key={a.id}>
                  <td>{formatTime(a.time)}</td>
                  <td>
                    {a.actor} <span class="role">{a.role}</span>
                  </td>
                  <td>
                    <code>{a.action}</code>
                  </td>
                  <td>
                    {a.target.type} {a.target.name ?? a.target.id}
                  </td>
                  <td>{a.summary ?? ''}</td>
                  <td>
                    <code>{a.requestId ?? ''}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.next ? (
            <button
              type="button"
              onClick={() =>
                void fetchPage(page.next!).then(
                  (p) => setPage({ items: [...page.items, ...p.items], next: p.nextCursor }),
                  (e: unknown) => setError(asError(e)),
                )
              }
            >
              Load older entries
            </button>
          ) : null}
        </>
      )}
    </>
  );
}
