// A small history router: the SPA's routes, navigation, and the current path as a hook.
import { useEffect, useState } from 'preact/hooks';

export type Route = { name: 'feed' } | { name: 'login' } | { name: 'signup' } | { name: 'people' } | { name: 'profile'; id: string } | { name: 'settings' } | { name: 'cluster' } | { name: 'not-found' };

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'feed' };
  if (path === '/login') return { name: 'login' };
  if (path === '/signup') return { name: 'signup' };
  if (path === '/people') return { name: 'people' };
  if (path === '/settings') return { name: 'settings' };
  if (path === '/ops/cluster') return { name: 'cluster' };
  const profile = /^\/users\/([1-9][0-9]{0,18})$/.exec(path);
  if (profile) return { name: 'profile', id: profile[1]! };
  return { name: 'not-found' };
}

export const paths = {
  feed: () => '/',
  login: () => '/login',
  signup: () => '/signup',
  people: () => '/people',
  profile: (id: string) => `/users/${encodeURIComponent(id)}`,
  settings: () => '/settings',
  cluster: () => '/ops/cluster',
};

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const l of listeners) l();
}

export function useLocation(): { pathname: string; search: string } {
  const [value, setValue] = useState(() => ({ pathname: location.pathname, search: location.search }));
  useEffect(() => {
    const update = () => setValue({ pathname: location.pathname, search: location.search });
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return value;
}
