// Edits, deletions, follows and unfollows keep the materialised feeds and the event logs right.
// Log entries of different events may be written in any order by concurrent handlers, so the
// assertions filter by post or by event type; only one post's created → deleted is ordered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { Client } from './client.ts';
import { waitFor } from '../../test/support/ports.ts';
import { cachedIds, createPost, feed, feedIds, logEvents, type LogEvent } from './feed-support.ts';

let p: Pipeline;
let anon: Client;

beforeAll(async () => {
  p = await startPipeline();
  await p.startWorker();
  anon = new Client(p.url);
}, 120_000);
afterAll(async () => {
  await p?.close();
}, 60_000);

type User = Client & { userId: string };

/** Users who follow `author`, each with a built (empty) cached feed and an open event log. */
async function followersOf(author: User, n: number): Promise<User[]> {
  const users = await Promise.all(Array.from({ length: n }, () => anon.signUp()));
  for (const u of users) {
    expect((await u.put(`/friend/set/${author.userId}`)).status).toBe(200);
    await p.cache.logs.open(u.userId);
    await feed(u); // builds the cached feed
  }
  return users;
}

const postEventsOf = (events: LogEvent[], postId: string) => events.filter((e) => e.postId === postId);

async function waitInCachedFeed(user: User, postId: string, present = true): Promise<void> {
  await waitFor(
    `post ${postId} ${present ? 'in' : 'out of'} the cached feed of ${user.userId}`,
    async () => {
      const ids = await cachedIds(p, user.userId);
      return ids !== null && ids.includes(postId) === present;
    },
    30_000,
  );
}

describe('post edits and deletions', () => {
  it("an edit shows the new text in every follower's feed and appends post.updated to their logs", async () => {
    const author = await anon.signUp();
    const followers = await followersOf(author, 2);
    const postId = await createPost(author, 'first draft');
    for (const f of followers) await waitInCachedFeed(f, postId);
    for (const f of followers) expect(await feed(f)).toEqual([{ id: postId, text: 'first draft', author_user_id: author.userId }]);

    expect((await author.put('/post/update', { id: postId, text: 'final text' })).status).toBe(200);

    for (const f of followers) {
      await waitFor('the edited text in the feed', async () => (await feed(f))[0]?.text === 'final text', 30_000);
      expect(await feed(f)).toEqual([{ id: postId, text: 'final text', author_user_id: author.userId }]);
      expect(await cachedIds(p, f.userId)).toEqual([postId]);
      await waitFor('post.updated in the log', async () => (await logEvents(p, f.userId)).some((e) => e.type === 'post.updated'));
      const events = postEventsOf(await logEvents(p, f.userId), postId);
      expect(events).toContainEqual({ type: 'post.created', postId, authorId: author.userId, text: 'first draft' });
      expect(events).toContainEqual({ type: 'post.updated', postId, authorId: author.userId, text: 'final text' });
      expect(events).toHaveLength(2);
    }
    expect((await anon.get(`/post/get/${postId}`)).body).toMatchObject({ id: postId, text: 'final text' });
  });

  it('a deletion removes the post from feeds, 404s it and appends post.deleted after post.created', async () => {
    const author = await anon.signUp();
    const followers = await followersOf(author, 2);
    const keep = await createPost(author, 'stays');
    const gone = await createPost(author, 'goes away');
    for (const f of followers) {
      await waitInCachedFeed(f, gone);
      await waitInCachedFeed(f, keep);
      expect(await feedIds(f)).toEqual([gone, keep]);
    }

    expect((await author.put(`/post/delete/${gone}`)).status).toBe(200);
    expect((await anon.get(`/post/get/${gone}`)).status).toBe(404);

    for (const f of followers) {
      await waitInCachedFeed(f, gone, false);
      expect(await cachedIds(p, f.userId)).toEqual([keep]);
      expect(await feedIds(f)).toEqual([keep]);
      await waitFor('post.deleted in the log', async () => postEventsOf(await logEvents(p, f.userId), gone).length === 2);
      expect(postEventsOf(await logEvents(p, f.userId), gone)).toEqual([
        { type: 'post.created', postId: gone, authorId: author.userId, text: 'goes away' },
        { type: 'post.deleted', postId: gone, authorId: author.userId },
      ]);
    }
  });

  it('a post deleted right after it was created never lingers in a feed, and its log never ends in post.created', async () => {
    const author = await anon.signUp();
    const [f] = await followersOf(author, 1);
    const marker = async () => {
      const id = await createPost(author, 'marker');
      await waitInCachedFeed(f!, id);
      return id;
    };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await createPost(author, `short-lived ${i}`);
      expect((await author.put(`/post/delete/${id}`)).status).toBe(200);
      ids.push(id);
    }
    // A later post reaching the feed proves the earlier events were handled (one author's
    // events are published in order; the marker's fan-out starts after the deletes are queued).
    const last = await marker();
    await waitFor(
      'every short-lived post handled',
      async () => {
        const events = await logEvents(p, f!.userId);
        return ids.every((id) => postEventsOf(events, id).some((e) => e.type === 'post.deleted'));
      },
      30_000,
    );
    const events = await logEvents(p, f!.userId);
    for (const id of ids) {
      const types = postEventsOf(events, id).map((e) => e.type);
      // Either both, created first, or the deletion cancelled the creation.
      expect([['post.created', 'post.deleted'], ['post.deleted']]).toContainEqual(types);
    }
    const cached = await cachedIds(p, f!.userId);
    for (const id of ids) expect(cached).not.toContain(id);
    expect(await feedIds(f!)).toEqual([last]);
  });
});

describe('follows and unfollows', () => {
  it('following an author brings their recent posts into an already built feed and appends friend.followed', async () => {
    const author = await anon.signUp();
    const other = await anon.signUp();
    const reader = await anon.signUp();
    const authorPosts: string[] = [];
    for (let i = 0; i < 3; i++) authorPosts.unshift(await createPost(author, `old post ${i}`));

    // The reader's feed is built before the follow: it holds the other author's posts only.
    expect((await reader.put(`/friend/set/${other.userId}`)).status).toBe(200);
    await p.cache.logs.open(reader.userId);
    const otherPost = await createPost(other, 'from the other author');
    await waitFor("the reader's feed to show the other author", async () => (await feedIds(reader)).includes(otherPost), 30_000);
    expect(await cachedIds(p, reader.userId)).toEqual([otherPost]);

    expect((await reader.put(`/friend/set/${author.userId}`)).status).toBe(200);
    await waitFor(
      "the author's posts in the cached feed",
      async () => {
        const ids = await cachedIds(p, reader.userId);
        return ids !== null && authorPosts.every((id) => ids.includes(id));
      },
      30_000,
    );
    // Newest first across both authors (ids are a sequence).
    const expected = [...authorPosts, otherPost].sort((a, b) => Number(b) - Number(a));
    expect(await cachedIds(p, reader.userId)).toEqual(expected);
    expect(await feedIds(reader)).toEqual(expected);
    const followed = (await logEvents(p, reader.userId)).filter((e) => e.type === 'friend.followed');
    expect(followed).toContainEqual({ type: 'friend.followed', authorId: author.userId });
    expect(followed.filter((e) => e.authorId === author.userId)).toHaveLength(1);
  });

  it("unfollowing removes the author's posts, keeps the others and appends friend.unfollowed", async () => {
    const author = await anon.signUp();
    const other = await anon.signUp();
    const reader = await anon.signUp();
    await p.cache.logs.open(reader.userId);
    for (const a of [author, other]) expect((await reader.put(`/friend/set/${a.userId}`)).status).toBe(200);
    await feed(reader); // built now; posts arrive by fan-out
    const fromAuthor = [await createPost(author, 'a1'), await createPost(author, 'a2')];
    const fromOther = await createPost(other, 'o1');
    await waitFor('all three posts in the feed', async () => (await feedIds(reader)).length === 3, 30_000);

    expect((await reader.put(`/friend/delete/${author.userId}`)).status).toBe(200);
    await waitFor(
      "the author's posts out of the cached feed",
      async () => {
        const ids = await cachedIds(p, reader.userId);
        return ids !== null && fromAuthor.every((id) => !ids.includes(id));
      },
      30_000,
    );
    expect(await cachedIds(p, reader.userId)).toEqual([fromOther]);
    expect(await feedIds(reader)).toEqual([fromOther]);
    await waitFor('friend.unfollowed in the log', async () => (await logEvents(p, reader.userId)).some((e) => e.type === 'friend.unfollowed'));
    const unfollowed = (await logEvents(p, reader.userId)).filter((e) => e.type === 'friend.unfollowed');
    expect(unfollowed).toEqual([{ type: 'friend.unfollowed', authorId: author.userId }]);

    // New posts of the unfollowed author no longer arrive; the other author's still do.
    const late = await createPost(author, 'not for you any more');
    const next = await createPost(other, 'o2');
    await waitInCachedFeed(reader, next);
    expect(await feedIds(reader)).toEqual([next, fromOther]);
    expect(postEventsOf(await logEvents(p, reader.userId), late)).toEqual([]);
  });

  it('follow then unfollow in quick succession leaves the feed without the author', async () => {
    const author = await anon.signUp();
    const reader = await anon.signUp();
    const old = await createPost(author, 'history');
    await p.cache.logs.open(reader.userId);
    expect(await feedIds(reader)).toEqual([]);
    expect((await reader.put(`/friend/set/${author.userId}`)).status).toBe(200);
    expect((await reader.put(`/friend/delete/${author.userId}`)).status).toBe(200);
    await waitFor('friend.unfollowed in the log', async () => (await logEvents(p, reader.userId)).some((e) => e.type === 'friend.unfollowed'), 30_000);
    // Whatever order the two events were handled in, Postgres (not following) wins.
    await waitFor('the feed to settle empty', async () => (await cachedIds(p, reader.userId))?.length === 0, 10_000);
    expect(await feedIds(reader)).toEqual([]);
    expect(await cachedIds(p, reader.userId)).not.toContain(old);
  });
});
