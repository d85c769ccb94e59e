import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { type Pool, posts } from '@feed/db';
import { createPost, deletePost, updatePost } from '../domain/posting.ts';
import { currentUser } from '../http/authenticate.ts';
import { ApiError } from '../http/errors.ts';
import type { Admission } from '../http/rate-limits.ts';
import { existingId, idRef, parse, parseBody, plainText, wholeNumber } from '../http/validate.ts';

/** The most posts GET /post/list answers with; a larger limit is served as this. */
export const LIST_MAX = 100;

export function postRoutes(db: Pool, opts: { maxChars: number; authenticate: RequestHandler; postLimit: Admission }): Router {
  const text = plainText(opts.maxChars).refine((s) => s.trim().length > 0, 'must not be empty');
  const newPost = z.object({ text });
  const edit = z.object({ id: idRef, text });
  const router = Router();
  const { authenticate, postLimit } = opts;

  router.post('/post/create', authenticate, async (req, res) => {
    const body = parseBody(newPost, req.body);
    await postLimit(req, res);
    res.json(await createPost(db, currentUser(req), body.text));
  });

  router.put('/post/update', authenticate, async (req, res) => {
    const body = parseBody(edit, req.body);
    await updatePost(db, currentUser(req), existingId(body.id, 'post'), body.text);
    res.status(200).end();
  });

  router.put('/post/delete/:id', authenticate, async (req, res) => {
    await deletePost(db, currentUser(req), existingId(req.params.id, 'post'));
    res.status(200).end();
  });

  // Public, as in the contract: a post is readable by anyone who knows its id.
  router.get('/post/get/:id', async (req, res) => {
    const id = existingId(req.params.id, 'post');
    const post = await posts.findPost(db, id);
    if (!post) throw ApiError.notFound(`post ${id} not found`);
    res.json(post);
  });

  // Not in the contract: an author's latest posts, newest first, for profile pages (public, like /post/get).
  // Like the feed's limit: any whole number from 1, clamped to LIST_MAX.
  const listQuery = z.object({ limit: wholeNumber(1).default(20) });
  router.get('/post/list/:user_id', async (req, res) => {
    const author = existingId(req.params.user_id, 'user');
    const { limit } = parse(listQuery, { limit: req.query.limit }, 'query');
    res.json(await posts.recentPostsBy(db, author, Math.min(limit, LIST_MAX)));
  });

  return router;
}
