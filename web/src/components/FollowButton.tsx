// Follow or unfollow someone; shows the current state once known, and the API's error if any.
import { useEffect, useState } from 'preact/hooks';
import { follow, isFollowing, unfollow } from '../api/friends.ts';
import { messageOf } from '../api/http.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

export function FollowButton({ userId, name }: { userId: string; name: string }) {
  const [following, setFollowing] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    isFollowing(userId).then(
      (value) => active && setFollowing(value),
      () => active && setFollowing(false),
    );
    return () => {
      active = false;
    };
  }, [userId]);

  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      if (following) await unfollow(userId);
      else await follow(userId);
      setFollowing(!following);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="follow">
      <button type="button" class={following ? 'button button--quiet' : 'button'} aria-pressed={following ?? false} aria-label={following ? `Unfollow ${name}` : `Follow ${name}`} disabled={busy || following === null} onClick={toggle}>
        {following === null ? 'Follow' : following ? 'Following ✓ · Unfollow' : 'Follow'}
      </button>
      <ErrorMessage message={error} />
    </div>
  );
}
