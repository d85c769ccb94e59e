import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { type Pool, posts } from '@feed/db';
import { createPost, deletePost, updatePost } from '../domain/posting.ts';
import { currentUser } from '../http/authenticate.ts';
import { ApiError } from '../http/errors.ts';
import { plainText } from '../http/text.ts';
import { idValue, parse, parseBody, parseId } from '../http/validate.ts';

export function postRoutes(db: Pool, opts: { maxChars: number; authenticate: RequestHandler; postLimit: RequestHandler }): Router {
  const text = plainText(opts.maxChars).refine((s) => s.trim().length > 0, 'must not be empty');
  const newPost = z.object({ text });
  const edit = z.object({ id: idValue, text });
  const router = Router();
  const { authenticate, postLimit } = opts;

  router.post('/post/create', authenticate, postLimit, async (req, res) => {
    const body = parseBody(newPost, req.body);
    res.json(await createPost(db, currentUser(req), body.text));
  });

  router.put('/post/update', authenticate, async (req, res) => {
    const body = parseBody(edit, req.body);
    await updatePost(db, currentUser(req), body.id, body.text);
    res.status(200).end();
  });

  router.put('/post/delete/:id', authenticate, async (req, res) => {
    await deletePost(db, currentUser(req), parseId(req.params.id, 'post id'));
    res.status(200).end();
  });

  // Public, as in the contract: a post is readable by anyone who knows its id.
  router.get('/post/get/:id', async (req, res) => {
    const id = parseId(req.params.id, 'post id');
    const post = await posts.findPost(db, id);
    if (!post) throw ApiError.notFound(`post ${id} not found`);
    res.json(post);
  });

  // Not in the contract: an author's latest posts, newest first, for profile pages (public, like /post/get).
  const listQuery = z.object({
    limit: z.string().regex(/^[0-9]{1,3}$/, 'limit must be an integer between 1 and 100').transform(Number)
      .refine((n) => n >= 1 && n <= 100, 'limit must be an integer between 1 and 100').default(20),
  });
  router.get('/post/list/:user_id', async (req, res) => {
    const author = parseId(req.params.user_id, 'user id');
    const { limit } = parse(listQuery, { limit: req.query.limit }, 'query');
    res.json(await posts.recentPostsBy(db, author, limit));
  });

  return router;
}
