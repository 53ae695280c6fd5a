import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApi } from './api/client';
import { AuditPage } from './pages/audit/audit-page';
import { BudgetEditPage } from './pages/budgets/budget-edit-page';
import { BudgetsPage } from './pages/budgets/budgets-page';
import { EndpointEditPage } from './pages/endpoints/endpoint-edit-page';
import { EndpointsPage } from './pages/endpoints/endpoints-page';
import { PlaygroundPage } from './pages/playground/playground-page';
import { SecretsPage } from './pages/secrets/secrets-page';
import { TraceDetailPage } from './pages/traces/trace-detail-page';
import { TracesPage } from './pages/traces/traces-page';
import { UsagePage } from './pages/usage/usage-page';
import { href, useHashRoute, type Route } from './router';
import { readTokenClaims, type TokenClaims } from './session/read-token-claims';
import { SessionContext, type Session } from './session/session-context';
import { SignInPage } from './session/sign-in-page';
import { tokenStore } from './session/token-store';

interface Signed {
  token: string;
  claims: TokenClaims;
}

function restore(): Signed | undefined {
  const token = tokenStore.read();
  if (!token) return undefined;
  const claims = readTokenClaims(token);
  if ('problem' in claims || (claims.expiresAt !== undefined && claims.expiresAt <= Date.now())) {
    tokenStore.clear();
    return undefined;
  }
  return { token, claims };
}

export function App() {
  const [signed, setSigned] = useState<Signed | undefined>(restore);
  const [notice, setNotice] = useState<string>();

  const session = useMemo<Session | undefined>(() => {
    if (!signed) return undefined;
    const signOut = (message?: string) => {
      tokenStore.clear();
      setNotice(message);
      setSigned(undefined);
    };
    return {
      api: createApi(signed.token, (reason) => signOut(`Signed out: the control plane refused the token (${reason}). Paste a new one.`)),
      claims: signed.claims,
      canEdit: signed.claims.role === 'admin',
      signOut,
    };
  }, [signed]);

  // Sign out when the token expires rather than on the next failing call.
  useEffect(() => {
    const expiresAt = signed?.claims.expiresAt;
    if (!session || expiresAt === undefined) return undefined;
    const timer = setTimeout(
      () => session.signOut(`Your token expired at ${new Date(expiresAt).toLocaleString()}. Paste a new one.`),
      Math.min(expiresAt - Date.now(), 2 ** 31 - 1),
    );
    return () => clearTimeout(timer);
  }, [session]);

  if (!session) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(token, claims) => {
          tokenStore.write(token);
          setNotice(undefined);
          setSigned({ token, claims });
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} />
    </SessionContext.Provider>
  );
}

const NAV: Array<{ path: string; label: string; adminOnly?: boolean }> = [
  { path: 'endpoints', label: 'Endpoints' },
  { path: 'playground', label: 'Playground', adminOnly: true },
  { path: 'secrets', label: 'Secrets' },
  { path: 'budgets', label: 'Budgets' },
  { path: 'traces', label: 'Traces' },
  { path: 'usage', label: 'Usage' },
  { path: 'audit', label: 'Audit log', adminOnly: true },
];

function Shell({ session }: { session: Session }) {
  const route = useHashRoute();
  const section = route.path[0] ?? 'endpoints';
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Moving between pages puts keyboard and screen-reader focus on the new page's content.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route.path.join('/')]);

  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => (e.preventDefault(), main.current?.querySelector<HTMLElement>('h1')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">LLM gateway</span>
        <nav aria-label="Sections">
          <ul>
            {NAV.filter((n) => !n.adminOnly || session.canEdit).map((n) => (
              <li key={n.path}>
                <a href={href([n.path])} aria-current={section === n.path ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {session.claims.sub} <span class={`role role-${session.claims.role}`}>{session.claims.role}</span>
          {session.canEdit ? null : <span class="read-only-badge">read-only</span>}
        </span>
        <button type="button" onClick={() => session.signOut('Signed out.')}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main}>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  const [section = 'endpoints', id, sub] = route.path;
  switch (section) {
    case 'endpoints':
      return id ? <EndpointEditPage name={id === 'new' ? undefined : id} /> : <EndpointsPage />;
    case 'playground':
      return <PlaygroundPage endpoint={route.query.get('endpoint') ?? undefined} />;
    case 'secrets':
      return <SecretsPage />;
    case 'budgets':
      return id ? <BudgetEditPage id={id === 'new' ? undefined : id} /> : <BudgetsPage />;
    case 'traces':
      return id ? <TraceDetailPage id={id} /> : <TracesPage query={route.query} />;
    case 'usage':
      return <UsagePage query={route.query} />;
    case 'audit':
      return <AuditPage query={route.query} />;
    default:
      return (
        <>
          <h1 tabIndex={-1}>Not found</h1>
          <p>
            No page called “{[section, id, sub].filter(Boolean).join('/')}”. <a href={href(['endpoints'])}>Endpoints</a>
          </p>
        </>
      );
  }
}
