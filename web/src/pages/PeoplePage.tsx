// Find people by name: the API matches the start of the first and the last name (both needed).
import { useState } from 'preact/hooks';
import { messageOf } from '../api/http.ts';
import type { User } from '../api/types.ts';
import { searchUsers } from '../api/users.ts';
import { EmptyState } from '../components/EmptyState.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { UserCard } from '../components/UserCard.tsx';

export function PeoplePage() {
  const params = new URLSearchParams(location.search);
  const [first, setFirst] = useState(params.get('first') ?? '');
  const [last, setLast] = useState(params.get('last') ?? '');
  const [results, setResults] = useState<User[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (!first.trim() || !last.trim()) {
      setError('Type at least the first letter of both the first and the last name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setResults(await searchUsers(first, last));
      history.replaceState(null, '', `?${new URLSearchParams({ first: first.trim(), last: last.trim() })}`);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="page">
      <h1 tabIndex={-1}>Find people</h1>
      <form class="card form" role="search" onSubmit={submit} aria-busy={busy}>
        <div class="form__row">
          <Field label="First name starts with" name="first_name" required value={first} onValue={setFirst} />
          <Field label="Last name starts with" name="last_name" required value={last} onValue={setLast} />
        </div>
        <p class="field__hint">Both are prefixes: “Al” and “Ko” find Alexandra Kovaleva.</p>
        <ErrorMessage message={error} />
        <button type="submit" class="button" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <div aria-live="polite">
        {results !== null &&
          (results.length === 0 ? (
            <EmptyState title="Nobody matches">
              <p>Try shorter beginnings of the names, for example just the first letters.</p>
            </EmptyState>
          ) : (
            <>
              <h2 class="section-title">
                {results.length} {results.length === 1 ? 'person' : 'people'}
              </h2>
              <ul class="users">
                {results.map((u) => (
                  <UserCard key={u.id} user={u} />
                ))}
              </ul>
            </>
          ))}
      </div>
    </div>
  );
}
