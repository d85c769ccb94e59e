import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { getSession } from '../api/session.ts';
import { fakeApi } from '../test/fake-api.ts';
import { LoginPage } from './LoginPage.tsx';

// A token for user 42 expiring at 2^31 s (the signature is the server's business).
const TOKEN = `x.${btoa(JSON.stringify({ sub: '42', exp: 2147483647 })).replace(/=+$/, '')}.y`;

describe('LoginPage', () => {
  it('labels its fields and logs in by user id', async () => {
    const api = fakeApi({ 'POST /login': () => ({ body: { token: TOKEN } }) });
    render(<LoginPage />);
    fireEvent.input(screen.getByLabelText(/User id/), { target: { value: ' 42 ' } });
    fireEvent.input(screen.getByLabelText(/Password/), { target: { value: 'secret-pass' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(getSession()).toEqual({ token: TOKEN, userId: '42', expiresAt: 2147483647000 }));
    expect(api.calls[0]).toMatchObject({ method: 'POST', path: '/login', body: { id: '42', password: 'secret-pass' }, auth: null });
    expect(sessionStorage.getItem('feed.session')).toContain(TOKEN);
  });

  it("shows the API's message when login fails", async () => {
    fakeApi({ 'POST /login': () => ({ status: 401, body: { message: 'wrong user id or password', code: 1001 } }) });
    render(<LoginPage />);
    fireEvent.input(screen.getByLabelText(/User id/), { target: { value: '42' } });
    fireEvent.input(screen.getByLabelText(/Password/), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('wrong user id or password');
    expect(getSession()).toBeNull();
  });

  it('says so when the server cannot be reached', async () => {
    fakeApi({}).fetch.mockRejectedValue(new TypeError('Failed to fetch'));
    render(<LoginPage />);
    fireEvent.input(screen.getByLabelText(/User id/), { target: { value: '42' } });
    fireEvent.input(screen.getByLabelText(/Password/), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Cannot reach the server/);
  });
});
