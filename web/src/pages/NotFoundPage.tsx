import { Link } from '../components/Link.tsx';
import { paths } from '../router.ts';

export function NotFoundPage() {
  return (
    <div class="page">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is nothing at this address. <Link href={paths.feed()}>Go to your feed</Link>.
      </p>
    </div>
  );
}
