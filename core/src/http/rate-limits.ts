// Rate limits kept in Redis so they hold across every core instance.
import type { Request, RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { sendCommand, type RedisClient } from '@feed/cache';
import { ErrorCode } from './errors.ts';

function limiter(
  redis: RedisClient,
  prefix: string,
  perMinute: number,
  key: (req: Request) => string,
  message: string,
): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: key,
    // A Redis outage must not take the API down with it: let the request through.
    passOnStoreError: true,
    store: new RedisStore({
      prefix,
      // Each counter is one key, and its script goes to every master (a cluster's EVALSHA runs
      // on the key's master): single-slot either way.
      sendCommandCluster: ({ command }) => sendCommand(redis, command) as Promise<RedisReply>,
    }),
    handler: (req, res, _next, options) => {
      res.status(options.statusCode).json({ message, request_id: String(req.id), code: ErrorCode.rateLimited });
    },
  });
}

export function loginRateLimit(redis: RedisClient, redisPrefix: string, perMinute: number): RequestHandler {
  return limiter(redis, `${redisPrefix}rl:login:`, perMinute, (req) => ipKeyGenerator(req.ip ?? ''), 'too many login attempts, try again in a minute');
}

export function postRateLimit(redis: RedisClient, redisPrefix: string, perMinute: number): RequestHandler {
  return limiter(redis, `${redisPrefix}rl:post:`, perMinute, (req) => req.userId ?? ipKeyGenerator(req.ip ?? ''), 'too many posts, slow down');
}
