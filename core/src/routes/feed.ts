import { Router } from 'express';
import { z } from 'zod';
import type { Post } from '@feed/db';
import { currentUser } from '../http/authenticate.ts';
import { parse, wholeNumber } from '../http/validate.ts';

export type FeedReader = (userId: string, offset: number, limit: number) => Promise<Post[]>;

/**
 * Mounted behind authentication. The contract sets no maximum for `limit`: any whole number from
 * 1 is served, up to `maxLimit` posts (a larger limit gets `maxLimit`). An offset past the end of
 * the feed answers an empty page, however large.
 */
export function feedRoutes(readFeed: FeedReader, maxLimit: number): Router {
  const page = z.object({
    offset: wholeNumber(0).default(0),
    limit: wholeNumber(1).default(10),
  });
  const router = Router();

  router.get('/post/feed', async (req, res) => {
    const { offset, limit } = parse(page, { offset: req.query.offset, limit: req.query.limit }, 'query');
    // Beyond 2^53 a number no longer names one offset, and no feed is that deep: any such offset
    // reads the same empty page as MAX_SAFE_INTEGER (which Postgres takes as a bigint).
    res.json(await readFeed(currentUser(req), Math.min(offset, Number.MAX_SAFE_INTEGER), Math.min(limit, maxLimit)));
  });

  return router;
}
