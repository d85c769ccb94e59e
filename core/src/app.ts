// Assembles the REST API from its parts. Dependencies come in from outside so that tests
// build the same app against their own database and Redis prefix.
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { type Pool, feedFromDatabase } from '@feed/db';
import { tokenKey, verificationKeys } from '@feed/contracts';
import { Presence, RateLimits, Revocations, createKeys, type RedisClient } from '@feed/cache';
import { hashingSettings, passwordCost, rateLimitSettings, type Config } from './config.ts';
import { PasswordHashing } from './auth/hashing.ts';
import { argon2Hasher } from './auth/password.ts';
import { withoutTokens, type Logger } from './log.ts';
import { SessionRevocation, type RevocationNotice } from './auth/revocation.ts';
import { authenticate } from './http/authenticate.ts';
import { errorHandler, notFoundRoute } from './http/errors.ts';
import { createMetrics } from './http/metrics.ts';
import { createRateLimits } from './http/rate-limits.ts';
import { userRoutes } from './routes/users.ts';
import { friendRoutes } from './routes/friends.ts';
import { postRoutes } from './routes/posts.ts';
import { feedRoutes, type FeedReader } from './routes/feed.ts';
import { clusterRoutes } from './routes/cluster.ts';
import { spa } from './http/spa.ts';

export interface AppDeps {
  config: Config;
  db: Pool;
  redis: RedisClient;
  log: Logger;
  /** Where /post/feed reads from; Postgres unless the feed cache is wired in. */
  readFeed?: FeedReader;
  /** Reports whether the service should receive traffic (false while draining). */
  isReady?: () => boolean;
  /** How a logout reaches the gateways holding the user's streams; without it they find out at their next check. */
  revocationNotice?: RevocationNotice;
  /** Where password hashes run; built from the config unless given (tests watch its lanes). */
  hashing?: PasswordHashing;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function createApp({ config, db, redis, log, readFeed, isReady = () => true, revocationNotice, hashing }: AppDeps): Express {
  const app = express();
  const key = tokenKey(config.JWT_SECRET);
  const metrics = createMetrics();
  const keys = createKeys(config.REDIS_PREFIX);
  const tokenKeys = verificationKeys(config.JWT_SECRET, config.JWT_PREVIOUS_SECRETS);
  const presence = new Presence(redis, keys);
  const revocation = new SessionRevocation(new Revocations(redis, keys), presence, tokenKeys, log, revocationNotice);
  const auth = authenticate(tokenKeys, revocation);
  const settings = {
    tokenKey: key,
    tokenTtlSeconds: config.TOKEN_TTL_SECONDS,
    hashing: hashing ?? new PasswordHashing(hashingSettings(config), argon2Hasher(passwordCost(config))),
  };
  const feedReader: FeedReader = readFeed ?? ((userId, offset, limit) => feedFromDatabase(db, userId, { offset, limit }));

  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY); // HAProxy sets X-Forwarded-For and X-Forwarded-Proto
  app.set('etag', false);

  app.get('/health', async (_req, res) => {
    if (!isReady()) return res.status(503).json({ status: 'draining' });
    try {
      await db.query('SELECT 1');
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });
  app.get('/metrics', metrics.expose);

  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // A 503 is load shed on purpose (a full hashing lane, a dependency down, which the error
      // handler logs itself): a warning per request, so a flood is not also a flood of errors.
      customLogLevel: (_req, res, err) => (res.statusCode === 503 ? 'warn' : err || res.statusCode >= 500 ? 'error' : 'info'),
      // Applied to pino's own request serialization; the headers are redacted by the logger (log.ts).
      serializers: {
        req: (req: { url?: string }) => {
          req.url = withoutTokens(req.url);
          return req;
        },
      },
    }),
  );
  app.use(metrics.observe);
  app.use(express.json({ limit: config.BODY_LIMIT_BYTES, strict: false }));

  const limits = createRateLimits(new RateLimits(redis, keys), rateLimitSettings(config), log);
  app.use(userRoutes(db, settings, config.SEARCH_LIMIT, limits, revocation));
  app.use(postRoutes(db, { maxChars: config.POST_MAX_CHARS, authenticate: auth, postLimit: limits.posting }));
  app.use(['/friend', '/post/feed'], auth);
  app.use(friendRoutes(db));
  app.use(feedRoutes(feedReader, config.FEED_PAGE_MAX));
  app.use('/cluster', auth);
  app.use(clusterRoutes(presence, config.CLUSTER_METRICS_TIMEOUT_MS));

  const web = spa(config.STATIC_DIR);
  if (web) app.use(web);

  app.use(notFoundRoute);
  app.use(errorHandler);
  return app;
}
