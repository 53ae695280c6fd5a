import { useState } from 'preact/hooks';
import { TextField } from '../components/fields';
import type { TokenClaims } from './read-token-claims';
import { verifyToken } from './verify-token';

export function SignInPage({ notice, onSignedIn }: { notice?: string; onSignedIn: (token: string, claims: TokenClaims) => void }) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    const result = await verifyToken(value);
    setBusy(false);
    if ('problem' in result) {
      setProblem(result.problem);
      return;
    }
    setValue('');
    onSignedIn(result.token, result.claims);
  };

  return (
    <main class="sign-in" id="main">
      <h1>LLM gateway console</h1>
      {notice ? (
        <div class="notice" role="status">
          {notice}
        </div>
      ) : null}
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <p id="sign-in-help">
          Paste a control-plane token (a JWT with role <code>admin</code> or <code>viewer</code>), for example the output of{' '}
          <code>npm run token -- --role admin --sub you</code>. It stays in this tab's session storage and is sent only to this control plane.
        </p>
        <TextField label="Token" type="password" value={value} onInput={setValue} error={problem} autoComplete="off" name="token" required />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
