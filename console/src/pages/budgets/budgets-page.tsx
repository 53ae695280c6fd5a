import { useEffect, useState } from 'preact/hooks';
import { must, type Budget, type BudgetSpend } from '../../api/client';
import { useLoad } from '../../api/use-load';
import { TextField } from '../../components/fields';
import { ErrorNotice, Loading } from '../../components/notices';
import { href } from '../../router';
import { useSession } from '../../session/session-context';
import { describeScope, describeWindow, formatAmount, needsRun, needsUser } from './describe-budget';
import { SpendBar } from './spend-bar';

const REFRESH_MS = 10_000;

export function BudgetsPage() {
  const { api, canEdit } = useSession();
  const list = useLoad(() => must(api.GET('/api/v1/budgets')), []);
  const [problem, setProblem] = useState<Error>();
  const [now, setNow] = useState(Date.now());

  // Spend moves with traffic and windows roll over: refresh while the page is open.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const remove = async (b: Budget) => {
    if (!window.confirm(`Delete budget ${b.name}? Its spend windows go too.`)) return;
    try {
      await must(api.DELETE('/api/v1/budgets/{id}', { params: { path: { id: b.id } } }));
      list.reload();
    } catch (err) {
      setProblem(err as Error);
    }
  };

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Budgets</h1>
        {canEdit ? (
          <a class="button primary" href={href(['budgets', 'new'])}>
            New budget
          </a>
        ) : null}
      </div>
      <p class="lead">
        Limits on spend (USD) or tokens over UTC-aligned windows. A reject budget answers 429 once exhausted; an alert budget calls its webhook once per window.
      </p>
      <ErrorNotice error={problem ?? list.error} />
      {!list.data ? (
        list.error ? null : (
          <Loading what="budgets" />
        )
      ) : list.data.items.length === 0 ? (
        <p class="empty">No budgets yet.</p>
      ) : (
        <ul class="budgets">
          {list.data.items.map((b) => (
            <li key={b.id} class="budget" data-budget={b.name}>
              <div class="budget-head">
                <h2>
                  <a href={href(['budgets', b.id])}>{b.name}</a>
                </h2>
                <span class={`action action-${b.action}`}>{b.action === 'reject' ? 'reject when exhausted' : 'alert by webhook'}</span>
                {canEdit ? (
                  <button type="button" class="danger subtle" onClick={() => void remove(b)}>
                    Delete <span class="visually-hidden">{b.name}</span>
                  </button>
                ) : null}
              </div>
              <p class="budget-facts">
                {describeScope(b)} · {formatAmount(b.unit, b.limit)} {describeWindow(b)}
                {b.failOpen ? ' · fails open' : ''}
              </p>
              <BudgetSpendView budget={b} now={now} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function BudgetSpendView({ budget, now }: { budget: Budget; now: number }) {
  const { api } = useSession();
  const [user, setUser] = useState('');
  const [lookedUp, setLookedUp] = useState('');
  const perRun = needsRun(budget);
  const perUser = needsUser(budget) || perRun;
  const spend = useLoad<BudgetSpend | undefined>(
    () =>
      perUser && !lookedUp
        ? Promise.resolve(undefined)
        : must(
            api.GET('/api/v1/budgets/{id}/spend', {
              params: { path: { id: budget.id }, query: lookedUp ? (perRun ? { run: lookedUp } : { user: lookedUp }) : {} },
            }),
          ),
    [budget.id, budget.version, lookedUp, Math.floor(now / REFRESH_MS)],
  );
  return (
    <>
      {perUser ? (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setLookedUp(user.trim());
          }}
        >
          <TextField label={perRun ? 'Show the window of run' : 'Show the window of user'} value={user} onInput={setUser} />
          <button type="submit">Show</button>
        </form>
      ) : null}
      {spend.error ? <ErrorNotice error={spend.error} /> : null}
      {spend.data ? (
        <SpendBar budget={budget} spend={spend.data} now={now} />
      ) : perUser && !lookedUp ? (
        <p class="hint">{perRun ? 'Each agent run has its own window.' : 'Each user has their own window.'}</p>
      ) : null}
    </>
  );
}
