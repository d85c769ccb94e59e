// A person in search results: name, city, and a link to the profile.
import type { User } from '../api/types.ts';
import { displayName } from '../api/users.ts';
import { paths } from '../router.ts';
import { Link } from './Link.tsx';

export function UserCard({ user }: { user: User }) {
  return (
    <li class="user">
      <Link class="user__name" href={paths.profile(user.id)}>
        {displayName(user)}
      </Link>
      <span class="user__meta">{[user.city, `id ${user.id}`].filter(Boolean).join(' · ')}</span>
    </li>
  );
}
