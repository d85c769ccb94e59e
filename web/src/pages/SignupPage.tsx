// Sign up, then log in at once; the new user id is shown because it is what one logs in with.
import { useState } from 'preact/hooks';
import { messageOf } from '../api/http.ts';
import { login, register } from '../api/users.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { navigate, paths } from '../router.ts';

export function SignupPage() {
  const [form, setForm] = useState({ first_name: '', second_name: '', birthdate: '', city: '', biography: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const userId = await register(form);
      await login(userId, form.password);
      sessionStorage.setItem('feed.welcome', userId);
      navigate(paths.feed(), { replace: true });
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  const today = new Date().toISOString().slice(0, 10);
  return (
    <div class="card card--narrow">
      <h1 tabIndex={-1}>Create an account</h1>
      <form onSubmit={submit} class="form" aria-busy={busy}>
        <div class="form__row">
          <Field label="First name" name="first_name" autoComplete="given-name" required maxLength={100} value={form.first_name} onValue={set('first_name')} />
          <Field label="Last name" name="second_name" autoComplete="family-name" required maxLength={100} value={form.second_name} onValue={set('second_name')} />
        </div>
        <div class="form__row">
          <Field label="Birth date" name="birthdate" type="date" min="1900-01-01" max={today} autoComplete="bday" value={form.birthdate} onValue={set('birthdate')} />
          <Field label="City" name="city" autoComplete="address-level2" maxLength={100} value={form.city} onValue={set('city')} />
        </div>
        <Field label="About you" name="biography" multiline rows={3} maxLength={2000} value={form.biography} onValue={set('biography')} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={8} hint="At least 8 characters." value={form.password} onValue={set('password')} />
        <ErrorMessage message={error} />
        <button type="submit" class="button button--wide" disabled={busy}>
          {busy ? 'Creating…' : 'Sign up'}
        </button>
      </form>
      <p class="muted">
        Already have an account? <Link href={paths.login()}>Log in</Link>
      </p>
    </div>
  );
}
