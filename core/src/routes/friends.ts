import { Router } from 'express';
import { type Pool, follows } from '@feed/db';
import { followUser, unfollowUser } from '../domain/friendship.ts';
import { currentUser } from '../http/authenticate.ts';
import { existingId } from '../http/validate.ts';

/** Mounted behind authentication. */
export function friendRoutes(db: Pool): Router {
  const router = Router();

  router.put('/friend/set/:user_id', async (req, res) => {
    await followUser(db, currentUser(req), existingId(req.params.user_id, 'user'));
    res.status(200).end();
  });

  router.put('/friend/delete/:user_id', async (req, res) => {
    await unfollowUser(db, currentUser(req), existingId(req.params.user_id, 'user'));
    res.status(200).end();
  });

  // Not in the contract: whether the caller follows user_id, so a profile shows the right button.
  router.get('/friend/status/:user_id', async (req, res) => {
    const followee = existingId(req.params.user_id, 'user');
    res.json({ following: await follows.isFollowing(db, currentUser(req), followee) });
  });

  return router;
}
