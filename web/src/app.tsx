// The app: who is signed in, which page is shown, and the live connection around it all.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getSession, isExpired, onSessionChange, setSession, type AuthSession } from './api/session.ts';
import { logout } from './api/users.ts';
import { Layout } from './components/Layout.tsx';
import { LiveProvider } from './live/context.tsx';
import { ClusterPage } from './pages/ClusterPage.tsx';
import { FeedPage } from './pages/FeedPage.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { PeoplePage } from './pages/PeoplePage.tsx';
import { ProfilePage } from './pages/ProfilePage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { SignupPage } from './pages/SignupPage.tsx';
import { matchRoute, navigate, paths, useLocation, type Route } from './router.ts';

const TITLES: Record<Route['name'], string> = {
  feed: 'Feed',
  login: 'Log in',
  signup: 'Sign up',
  people: 'Find people',
  profile: 'Profile',
  settings: 'Settings',
  cluster: 'Cluster',
  'not-found': 'Not found',
};

function useAuth(onLost: () => void): AuthSession | null {
  const [session, setState] = useState(getSession);
  const previous = useRef(session);
  const lost = useRef(onLost);
  lost.current = onLost;
  useEffect(
    () =>
      onSessionChange((next) => {
        if (previous.current && !next) lost.current();
        previous.current = next;
        setState(next);
      }),
    [],
  );
  return session;
}

export function App() {
  const [notice, setNotice] = useState<string | null>(null);
  const loggingOut = useRef(false);
  // Signed out without asking (the API refused the token): say why on the login page.
  const session = useAuth(() => {
    if (!loggingOut.current) setNotice('Your session expired. Please log in again.');
    loggingOut.current = false;
  });
  const { pathname } = useLocation();
  const route = matchRoute(pathname);
  const publicPage = route.name === 'login' || route.name === 'signup';

  // Signed out: every page but login and sign-up leads to login; signed in: those lead home.
  useEffect(() => {
    if (!session && !publicPage) navigate(paths.login(), { replace: true });
    if (session && publicPage) navigate(paths.feed(), { replace: true });
  }, [session, publicPage]);

  // After a navigation, move focus to the new page's heading so screen readers start there.
  const first = useRef(true);
  useEffect(() => {
    document.title = `${TITLES[route.name]} · Live feed`;
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = document.querySelector<HTMLElement>('main h1');
    heading?.focus({ preventScroll: true });
  }, [pathname]);

  const signOut = () => {
    setNotice(null);
    loggingOut.current = true;
    void logout().then(() => navigate(paths.login(), { replace: true }));
  };

  if (!session) {
    return (
      <Layout route={route} me={null}>
        {route.name === 'signup' ? <SignupPage /> : <LoginPage notice={notice} />}
      </Layout>
    );
  }

  return (
    <LiveProvider userId={session.userId} tokenExpired={() => isExpired(session)} onExpired={() => setSession(null)}>
      <Layout route={route} me={session.userId} onLogout={signOut}>
        <Page route={route} me={session.userId} />
      </Layout>
    </LiveProvider>
  );
}

function Page({ route, me }: { route: Route; me: string }) {
  switch (route.name) {
    case 'feed':
      return <FeedPage me={me} />;
    case 'people':
      return <PeoplePage />;
    case 'profile':
      return <ProfilePage key={route.id} id={route.id} me={me} />;
    case 'settings':
      return <SettingsPage />;
    case 'cluster':
      return <ClusterPage />;
    case 'login':
    case 'signup':
      return null;
    case 'not-found':
      return <NotFoundPage />;
  }
}
