import { render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { setSession } from './api/session.ts';
import { App } from './app.tsx';
import { fakeApi } from './test/fake-api.ts';

describe('App', () => {
  it('asks to log in when signed out, whatever the address', async () => {
    history.replaceState(null, '', '/people');
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Log in', level: 1 })).toBeTruthy();
    expect(location.pathname).toBe('/login');
  });

  it('says the session expired when the API refuses the token', async () => {
    // No live stream in jsdom: the connection's transports fail quietly and retry later.
    vi.stubGlobal('WebSocket', function NoSockets() {
      throw new Error('no sockets here');
    });
    setSession({ token: 'stale', userId: '7', expiresAt: 0 });
    fakeApi({ 'GET /post/feed': () => ({ status: 401, body: { message: 'token expired: log in again', code: 1001 } }) });
    history.replaceState(null, '', '/');
    render(<App />);
    expect(await screen.findByText('Your session expired. Please log in again.')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Log in', level: 1 })).toBeTruthy();
  });
});
