import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Post } from '../api/types.ts';
import { setSession } from '../api/session.ts';
import { LiveContext, type Live } from '../live/context.tsx';
import type { FeedEvent } from '@feed/client';
import { fakeApi } from '../test/fake-api.ts';
import { FeedPage } from './FeedPage.tsx';

function setup(pages: Post[][]) {
  setSession({ token: 'tok', userId: '1', expiresAt: 0 });
  let page = 0;
  const api = fakeApi({
    'GET /post/feed': () => ({ body: pages[Math.min(page++, pages.length - 1)] }),
    'GET /user/get/\\d+': (_b, url) => ({ body: { id: url.pathname.split('/').pop(), first_name: 'Friend' } }),
    'POST /post/create': () => ({ body: '99' }),
  });
  const listeners = new Set<(e: FeedEvent) => void>();
  const live: Live = {
    status: { state: 'live', transport: 'websocket', attempt: 0 },
    preference: 'auto',
    setPreference: () => {},
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  render(
    <LiveContext.Provider value={live}>
      <FeedPage me="1" />
    </LiveContext.Provider>,
  );
  const emit = (event: FeedEvent) => act(() => listeners.forEach((l) => l(event)));
  return { api, emit };
}

const post = (id: number, text = `post ${id}`): Post => ({ id: String(id), text, author_user_id: '2' });
const created = (id: number, text?: string): FeedEvent => ({ id: `e${id}`, type: 'post.created', data: post(id, text) });
const feedTexts = () =>
  within(screen.getByRole('feed'))
    .getAllByRole('article')
    .map((a) => a.querySelector('.post__text')?.textContent);

describe('FeedPage', () => {
  it('shows the feed newest first and puts a live post on top, highlighted', async () => {
    const { emit } = setup([[post(5), post(4)]]);
    await screen.findByText('post 5');
    expect(feedTexts()).toEqual(['post 5', 'post 4']);
    await emit(created(6, 'fresh one'));
    expect(feedTexts()).toEqual(['fresh one', 'post 5', 'post 4']);
    const article = screen.getByText('fresh one').closest('article')!;
    expect(article.className).toContain('post--fresh');
    expect(within(article).getByText('New')).toBeTruthy();
  });

  it('holds posts behind a pill while the reader is scrolled down', async () => {
    const { emit } = setup([[post(5), post(4)]]);
    await screen.findByText('post 5');
    window.scrollY = 800;
    await emit(created(6));
    await emit(created(7));
    expect(feedTexts()).toEqual(['post 5', 'post 4']);
    const pill = screen.getByRole('button', { name: /2 new posts/ });
    fireEvent.click(pill);
    expect(feedTexts()).toEqual(['post 7', 'post 6', 'post 5', 'post 4']);
    expect(screen.queryByRole('button', { name: /new posts/ })).toBeNull();
    window.scrollY = 0;
  });

  it('applies edits and deletions live', async () => {
    const { emit } = setup([[post(5), post(4)]]);
    await screen.findByText('post 5');
    await emit({ id: 'u', type: 'post.updated', data: post(4, 'post 4, edited') });
    await emit({ id: 'd', type: 'post.deleted', data: { id: '5', author_user_id: '2' } });
    expect(feedTexts()).toEqual(['post 4, edited']);
    expect(screen.getByText('edited')).toBeTruthy();
  });

  it('refetches the feed on feed.reset', async () => {
    const { api, emit } = setup([[post(5)], [post(8), post(5)]]);
    await screen.findByText('post 5');
    await emit({ id: 'r', type: 'feed.reset', data: { reason: 'gap' } });
    await screen.findByText('post 8');
    expect(api.calls.filter((c) => c.path.startsWith('/post/feed')).map((c) => c.path)).toEqual(['/post/feed?offset=0&limit=20', '/post/feed?offset=0&limit=20']);
  });

  it('loads older posts from where the feed ends, counting posts that arrived live', async () => {
    const first = Array.from({ length: 20 }, (_, i) => post(100 - i));
    const { api, emit } = setup([first, [post(80), post(79)]]);
    await screen.findByText('post 100');
    await emit(created(101));
    fireEvent.click(screen.getByRole('button', { name: 'Load older posts' }));
    await screen.findByText('post 79');
    expect(api.calls.at(-1)!.path).toBe('/post/feed?offset=21&limit=20');
    expect(screen.getByText("You're all caught up.")).toBeTruthy();
  });

  it('explains an empty feed', async () => {
    setup([[]]);
    expect(await screen.findByText('Your feed is empty')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Find people to follow' }).getAttribute('href')).toBe('/people');
  });

  it("shows the API's message when the feed cannot load", async () => {
    setSession({ token: 'tok', userId: '1', expiresAt: 0 });
    fakeApi({ 'GET /post/feed': () => ({ status: 503, body: { message: 'service temporarily unavailable, retry shortly' } }) });
    render(<FeedPage me="1" />);
    expect((await screen.findByRole('alert')).textContent).toContain('service temporarily unavailable, retry shortly');
  });

  it('posts from the composer', async () => {
    const { api } = setup([[]]);
    const field = await screen.findByLabelText("What's new?");
    fireEvent.input(field, { target: { value: 'my first post' } });
    fireEvent.click(screen.getByRole('button', { name: 'Post' }));
    await waitFor(() => expect(api.calls.some((c) => c.method === 'POST' && c.path === '/post/create')).toBe(true));
    expect(api.calls.find((c) => c.method === 'POST')!.body).toEqual({ text: 'my first post' });
    await waitFor(() => expect((field as HTMLTextAreaElement).value).toBe(''));
  });
});
