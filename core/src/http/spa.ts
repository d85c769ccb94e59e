// Serves the built SPA: its files as they are (hashed assets cached for good), and index.html
// for any other GET that asks for a page and is not an API path, so client routes survive a
// reload. API paths keep their JSON 404.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler, type Router } from 'express';

/**
 * First path segments that belong to the API; never answered with the SPA. (/login and /logout
 * take POST only, so a page load of /login is the SPA's login page.)
 */
const API_ROOTS = new Set(['user', 'friend', 'post', 'dialog', 'cluster', 'health', 'metrics']);

/** Locks the page down to its own origin: post text can never become script. */
const CSP = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"].join('; ');

export function isApiPath(pathname: string): boolean {
  return API_ROOTS.has(pathname.split('/')[1] ?? '');
}

/** The SPA's routes, or undefined when `dir` holds no build. */
export function spa(dir: string): Router | undefined {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  const router = express.Router();
  const pageHeaders: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  };
  router.use(pageHeaders);
  router.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders(res, file) {
        const immutable = file.includes(`${path.sep}assets${path.sep}`);
        res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  router.get(/.*/, (req, res, next) => {
    if (isApiPath(req.path) || !req.accepts('html') || req.accepts(['json', 'html']) === 'json') return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
