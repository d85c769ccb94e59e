import { Router } from 'express';
import type { Pool } from '@feed/db';
import { followUser, unfollowUser } from '../domain/friendship.ts';
import { currentUser } from '../http/authenticate.ts';
import { parseId } from '../http/validate.ts';

/** Mounted behind authentication. */
export function friendRoutes(db: Pool): Router {
  const router = Router();

  router.put('/friend/set/:user_id', async (req, res) => {
    await followUser(db, currentUser(req), parseId(req.params.user_id, 'user id'));
    res.status(200).end();
  });

  router.put('/friend/delete/:user_id', async (req, res) => {
    await unfollowUser(db, currentUser(req), parseId(req.params.user_id, 'user id'));
    res.status(200).end();
  });

  return router;
}
