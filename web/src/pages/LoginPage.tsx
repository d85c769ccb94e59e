// Log in with a user id and a password, as the API's contract has it.
import { useState } from 'preact/hooks';
import { messageOf } from '../api/http.ts';
import { login } from '../api/users.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { navigate, paths } from '../router.ts';

export function LoginPage({ notice }: { notice?: string | null }) {
  const params = new URLSearchParams(location.search);
  const [id, setId] = useState(params.get('id') ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(id, password);
      navigate(paths.feed(), { replace: true });
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <div class="card card--narrow">
      <h1 tabIndex={-1}>Log in</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={submit} class="form" aria-busy={busy}>
        <Field label="User id" name="id" inputMode="numeric" autoComplete="username" required hint="The number you got when you signed up." value={id} onValue={setId} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required value={password} onValue={setPassword} />
        <ErrorMessage message={error} />
        <button type="submit" class="button button--wide" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p class="muted">
        New here? <Link href={paths.signup()}>Create an account</Link>
      </p>
    </div>
  );
}
