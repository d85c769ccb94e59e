// A user's name, fetched once per page load (posts carry only the author's id).
import { useEffect, useState } from 'preact/hooks';
import { displayName, getUser } from '../api/users.ts';
import { paths } from '../router.ts';
import { Link } from './Link.tsx';

export function AuthorName({ userId }: { userId: string }) {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    let active = true;
    getUser(userId).then(
      (user) => active && setName(displayName(user)),
      () => active && setName(`User ${userId}`),
    );
    return () => {
      active = false;
    };
  }, [userId]);
  return (
    <Link class="author" href={paths.profile(userId)}>
      {name ?? `User ${userId}`}
    </Link>
  );
}
