// One-way follow. Each change that happens also records an outbox event in the same transaction.
import { type Pool, inTransaction, follows, users, outbox } from '@feed/db';
import { ApiError, unknownAccount } from '../http/errors.ts';

export async function followUser(db: Pool, followerId: string, followeeId: string): Promise<void> {
  if (followerId === followeeId) throw ApiError.invalid('you cannot follow yourself');
  await inTransaction(db, async (tx) => {
    if (!(await users.userExists(tx, followeeId))) throw ApiError.notFound(`user ${followeeId} not found`);
    if (await follows.follow(tx, followerId, followeeId)) {
      await outbox.enqueue(tx, { type: 'friend.followed', followerId, followeeId });
    }
  }).catch((err: unknown) => {
    throw unknownAccount(err, 'follows_follower_id_fkey');
  });
}

export async function unfollowUser(db: Pool, followerId: string, followeeId: string): Promise<void> {
  if (followerId === followeeId) throw ApiError.invalid('you cannot unfollow yourself');
  await inTransaction(db, async (tx) => {
    if (!(await users.userExists(tx, followeeId))) throw ApiError.notFound(`user ${followeeId} not found`);
    if (await follows.unfollow(tx, followerId, followeeId)) {
      await outbox.enqueue(tx, { type: 'friend.unfollowed', followerId, followeeId });
    }
  });
}
