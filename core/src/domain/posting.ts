// Writing posts. Each write records its outbox event in the same transaction, so the feed
// pipeline hears of exactly the changes that were committed.
import { type Pool, inTransaction, onOneConnection, posts, outbox } from '@feed/db';
import { ApiError, unknownAccount } from '../http/errors.ts';
import { observeAge } from '../pipeline-age.ts';

export async function createPost(db: Pool, authorId: string, text: string): Promise<string> {
  try {
    const post = await onOneConnection(db, (client) => outbox.createAnnouncedPost(client, authorId, text));
    observeAge('post committed', Date.parse(post.createdAt));
    return post.id;
  } catch (err) {
    throw unknownAccount(err, 'posts_author_id_fkey');
  }
}

async function lockOwnPost(tx: Parameters<typeof posts.lockPost>[0], postId: string, userId: string) {
  const post = await posts.lockPost(tx, postId);
  if (!post) throw ApiError.notFound(`post ${postId} not found`);
  if (post.author_user_id !== userId) throw ApiError.forbidden('only the author can change this post');
  return post;
}

export async function updatePost(db: Pool, userId: string, postId: string, text: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await lockOwnPost(tx, postId, userId);
    await posts.updatePostText(tx, postId, text);
    await outbox.enqueue(tx, { type: 'post.updated', postId, authorId: userId, text });
  });
}

export async function deletePost(db: Pool, userId: string, postId: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await lockOwnPost(tx, postId, userId);
    await posts.markPostDeleted(tx, postId);
    await outbox.enqueue(tx, { type: 'post.deleted', postId, authorId: userId });
  });
}
