// The frame of every signed-in page: skip link, header with navigation and the live
// indicator, and the main region that receives focus after each navigation.
import type { ComponentChildren } from 'preact';
import { paths, type Route } from '../router.ts';
import { Link } from './Link.tsx';
import { LiveIndicator } from './LiveIndicator.tsx';

export interface LayoutProps {
  route: Route;
  me: string | null;
  onLogout?(): void;
  children: ComponentChildren;
}

export function Layout({ route, me, onLogout, children }: LayoutProps) {
  const current = (name: Route['name'], id?: string) => (route.name === name && (id === undefined || (route.name === 'profile' && route.id === id)) ? { 'aria-current': 'page' as const } : {});
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="top__inner">
          <Link class="brand" href={me ? paths.feed() : paths.login()}>
            Live feed
          </Link>
          {me && (
            <nav aria-label="Main" class="nav">
              <Link href={paths.feed()} {...current('feed')}>
                Feed
              </Link>
              <Link href={paths.people()} {...current('people')}>
                People
              </Link>
              <Link href={paths.profile(me)} {...current('profile', me)}>
                Profile
              </Link>
              <Link href={paths.cluster()} {...current('cluster')}>
                Cluster
              </Link>
              <Link href={paths.settings()} {...current('settings')}>
                Settings
              </Link>
            </nav>
          )}
          {me && (
            <div class="top__right">
              <LiveIndicator />
              <button type="button" class="button button--quiet button--small" onClick={onLogout}>
                Log out
              </button>
            </div>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1} class="main">
        {children}
      </main>
    </>
  );
}
