import { useState } from 'preact/hooks';
import { must, type Endpoint } from '../../api/client';
import { useLoad } from '../../api/use-load';
import { ErrorNotice, Loading } from '../../components/notices';
import { href } from '../../router';
import { useSession } from '../../session/session-context';

export function EndpointsPage() {
  const { api, canEdit } = useSession();
  const list = useLoad(() => must(api.GET('/api/v1/endpoints')), []);
  const [problem, setProblem] = useState<Error>();

  const toggle = async (e: Endpoint) => {
    setProblem(undefined);
    try {
      await must(api.PATCH('/api/v1/endpoints/{name}', { params: { path: { name: e.name } }, body: { enabled: !e.enabled } }));
      list.reload();
    } catch (err) {
      setProblem(err as Error);
    }
  };
  const remove = async (e: Endpoint) => {
    if (!window.confirm(`Delete endpoint ${e.name}? Clients calling it get model_not_found.`)) return;
    setProblem(undefined);
    try {
      await must(api.DELETE('/api/v1/endpoints/{name}', { params: { path: { name: e.name } } }));
      list.reload();
    } catch (err) {
      setProblem(err as Error);
    }
  };

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Endpoints</h1>
        {canEdit ? (
          <a class="button primary" href={href(['endpoints', 'new'])}>
            New endpoint
          </a>
        ) : null}
      </div>
      <p class="lead">Clients call an endpoint by sending its name as the model. Each splits traffic over its destinations and falls back along its chain.</p>
      <ErrorNotice error={problem ?? list.error} />
      {!list.data ? (
        list.error ? null : (
          <Loading what="endpoints" />
        )
      ) : list.data.items.length === 0 ? (
        <p class="empty">No endpoints yet.{canEdit ? ' Create one with “New endpoint” (you need a secret for most providers first).' : ''}</p>
      ) : (
        <table class="data">
          <caption class="visually-hidden">Endpoints</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Providers</th>
              <th scope="col">Split</th>
              <th scope="col">Fallback</th>
              <th scope="col">Enabled</th>
              <th scope="col">Version</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((e) => (
              <tr key={e.id} data-endpoint={e.name}>
                <th scope="row">
                  <a href={href(['endpoints', e.name])}>{e.name}</a>
                </th>
                <td>{e.kind}</td>
                <td>{[...new Set(e.destinations.map((d) => d.provider))].join(', ')}</td>
                <td>{e.destinations.map((d) => `${d.id} ${d.weight}%`).join(' · ')}</td>
                <td>{e.fallback.chain.length ? e.fallback.chain.join(' → ') : '—'}</td>
                <td>{e.enabled ? 'yes' : 'no'}</td>
                <td>{e.version}</td>
                <td class="row-actions">
                  <a href={href(['traces'], { endpoint: e.name })}>
                    Traces <span class="visually-hidden">of {e.name}</span>
                  </a>
                  {canEdit ? (
                    <>
                      {e.kind === 'chat' ? (
                        <a href={href(['playground'], { endpoint: e.name })}>
                          Try it <span class="visually-hidden">({e.name})</span>
                        </a>
                      ) : null}
                      <button type="button" class="subtle" onClick={() => void toggle(e)}>
                        {e.enabled ? 'Disable' : 'Enable'} <span class="visually-hidden">{e.name}</span>
                      </button>
                      <button type="button" class="danger subtle" onClick={() => void remove(e)}>
                        Delete <span class="visually-hidden">{e.name}</span>
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
