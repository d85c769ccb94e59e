import { Router } from 'express';
import { z } from 'zod';
import type { Post } from '@feed/db';
import { currentUser } from '../http/authenticate.ts';
import { parse } from '../http/validate.ts';

export type FeedReader = (userId: string, offset: number, limit: number) => Promise<Post[]>;

const wholeNumber = (what: string) => z.string().regex(/^[0-9]{1,9}$/, `${what} must be a non-negative integer`).transform(Number);

/** Mounted behind authentication. */
export function feedRoutes(readFeed: FeedReader, maxLimit: number): Router {
  const page = z.object({
    offset: wholeNumber('offset').default(0),
    limit: wholeNumber('limit')
      .refine((n) => n >= 1 && n <= maxLimit, `limit must be between 1 and ${maxLimit}`)
      .default(10),
  });
  const router = Router();

  router.get('/post/feed', async (req, res) => {
    const { offset, limit } = parse(page, { offset: req.query.offset, limit: req.query.limit }, 'query');
    res.json(await readFeed(currentUser(req), offset, limit));
  });

  return router;
}
