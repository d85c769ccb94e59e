import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { setSession } from '../api/session.ts';
import { fakeApi } from '../test/fake-api.ts';
import { PostCard } from './PostCard.tsx';

describe('PostCard', () => {
  it('renders post text as text, never as HTML', () => {
    fakeApi({ 'GET /user/get/\\d+': () => ({ body: { id: '2', first_name: 'Ann', second_name: 'Lee' } }) });
    const text = '<img src=x onerror=window.__xss=1> & <b>bold</b>';
    const { container } = render(<PostCard post={{ id: '1', text, author_user_id: '2' }} me="9" />);
    expect(screen.getByText(text)).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect((window as { __xss?: unknown }).__xss).toBeUndefined();
  });

  it("shows the author's name, linked to the profile", async () => {
    fakeApi({ 'GET /user/get/2': () => ({ body: { id: '2', first_name: 'Ann', second_name: 'Lee' } }) });
    render(<PostCard post={{ id: '1', text: 'hi', author_user_id: '2' }} me="9" />);
    const link = await screen.findByRole('link', { name: 'Ann Lee' });
    expect(link.getAttribute('href')).toBe('/users/2');
  });

  it('offers edit and delete only to the author', () => {
    fakeApi({ 'GET /user/get/\\d+': () => ({ body: { id: '2' } }) });
    const { rerender } = render(<PostCard post={{ id: '1', text: 'hi', author_user_id: '2' }} me="9" />);
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    rerender(<PostCard post={{ id: '1', text: 'hi', author_user_id: '2' }} me="2" />);
    expect(screen.getByRole('button', { name: 'Edit' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete' })).toBeTruthy();
  });

  it('edits through the API', async () => {
    setSession({ token: 't', userId: '2', expiresAt: 0 });
    const api = fakeApi({ 'GET /user/get/\\d+': () => ({ body: { id: '2' } }), 'PUT /post/update': () => ({}) });
    const onEdited = vi.fn();
    render(<PostCard post={{ id: '1', text: 'hi', author_user_id: '2' }} me="2" onEdited={onEdited} />);
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    const field = screen.getByLabelText('Edit your post') as HTMLTextAreaElement;
    expect(document.activeElement).toBe(field);
    fireEvent.input(field, { target: { value: 'hello there' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onEdited).toHaveBeenCalledWith('1', 'hello there'));
    expect(api.calls.find((c) => c.method === 'PUT')).toMatchObject({ path: '/post/update', body: { id: '1', text: 'hello there' }, auth: 'Bearer t' });
  });

  it("asks before deleting, and shows the API's message when it fails", async () => {
    fakeApi({
      'GET /user/get/\\d+': () => ({ body: { id: '2' } }),
      'PUT /post/delete/1': () => ({ status: 403, body: { message: 'you can only delete your own posts', code: 1003 } }),
    });
    render(<PostCard post={{ id: '1', text: 'hi', author_user_id: '2' }} me="2" />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(screen.getByText('Delete this post?')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    expect((await screen.findByRole('alert')).textContent).toContain('you can only delete your own posts');
  });
});
