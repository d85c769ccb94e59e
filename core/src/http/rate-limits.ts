// Rate limits, shaped the way large public APIs shape theirs (Mastodon, GitHub): they count
// what harms others or costs a lot, never what a person does. Failed logins are counted per
// account and per client address, successful ones not at all; posting and registration are
// token buckets with a burst no person reaches. The buckets live in Redis (cache/), so limits
// hold across core instances; if Redis is unreachable a request goes through rather than the
// API failing with it. Every limited answer carries RateLimit-Policy and RateLimit
// (draft-ietf-httpapi-ratelimit-headers), and a 429 carries Retry-After. Clients at exempt
// addresses (by default this host) are counted by none of them.
import type { Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import proxyaddr from 'proxy-addr';
import type { BucketPolicy, BucketState, RateLimits } from '@feed/cache';
import type { Logger } from '../log.ts';
import { ApiError } from './errors.ts';
import { isIssuedId } from './validate.ts';

export interface RateLimitSettings {
  /** Failed logins per account (wrong password), whoever tries. */
  loginFailuresPerAccount: BucketPolicy;
  /** Failed logins per client address (wrong password or unknown id), whatever the account. */
  loginFailuresPerAddress: BucketPolicy;
  /** Posts per author. */
  posts: BucketPolicy;
  /** Registrations per client address (each one costs a memory-hard hash). */
  registrations: BucketPolicy;
  /** Client addresses no limit counts (proxy-addr's syntax, as for TRUST_PROXY). */
  exempt: readonly string[];
}

interface Limit {
  /** The policy's name in RateLimit-Policy, and its Redis key part. */
  name: string;
  policy: BucketPolicy;
}

interface Checked {
  limit: Limit;
  state: BucketState;
}

/** Lets a valid request through (setting its rate-limit headers), or throws the 429 that refuses it. */
export type Admission = (req: Request, res: Response) => Promise<void>;

/**
 * The key an address is counted under: IPv4 as is, IPv6 by its /56 (one subscriber's network,
 * where a client picks addresses at will), IPv4-mapped IPv6 as the IPv4 address.
 */
export const clientAddress = (req: Request): string => ipKeyGenerator(req.ip ?? '');

const seconds = (ms: number) => Math.ceil(ms / 1000);

/** RateLimit-Policy: `"name";q=<capacity>;w=<window s>`; RateLimit: `"name";r=<tokens left>;t=<s until full>`. */
function setHeaders(res: Response, checked: readonly Checked[]): void {
  if (checked.length === 0) return;
  res.setHeader('RateLimit-Policy', checked.map(({ limit: { name, policy } }) => `"${name}";q=${policy.capacity};w=${policy.windowSeconds}`).join(', '));
  res.setHeader('RateLimit', checked.map(({ limit, state }) => `"${limit.name}";r=${state.remaining};t=${seconds(state.fullInMs)}`).join(', '));
}

function refuse(refused: Checked, message: string): ApiError {
  const wait = Math.max(1, seconds(refused.state.retryAfterMs));
  return ApiError.rateLimited(`${message}: try again in ${wait} s`, wait);
}

/** What an exempt request gets from a login check: nothing counted, nothing refused. */
const UNCOUNTED_LOGIN = { failed: async (): Promise<void> => {}, succeeded: async (): Promise<void> => {} };

export function createRateLimits(buckets: RateLimits, settings: RateLimitSettings, log: Logger) {
  const isExemptAddress = proxyaddr.compile([...settings.exempt]);
  const exempt = (req: Request): boolean => req.ip !== undefined && isExemptAddress(req.ip, 0);
  const limits = {
    loginAccount: { name: 'login-account', policy: settings.loginFailuresPerAccount },
    loginAddress: { name: 'login-ip', policy: settings.loginFailuresPerAddress },
    post: { name: 'post', policy: settings.posts },
    register: { name: 'register-ip', policy: settings.registrations },
  } satisfies Record<string, Limit>;

  /** A bucket operation; with Redis unreachable, null (the request goes through). */
  async function check(op: 'take' | 'peek' | 'charge', limit: Limit, subject: string): Promise<Checked | null> {
    try {
      return { limit, state: await buckets[op](limit.name, subject, limit.policy) };
    } catch (err) {
      log.warn({ err: (err as Error).message, limit: limit.name }, 'rate limit unavailable: letting the request through');
      return null;
    }
  }

  /**
   * One token of `subject`'s bucket, or a 429. Called once the request is known to be valid: a
   * request refused for its body costs nothing, so a client finding out the rules (or a test suite
   * sending bad input) does not use up the budget of what it may really do.
   */
  function bucket(limit: Limit, subject: (req: Request) => string, message: string): Admission {
    return async (req, res) => {
      if (exempt(req)) return;
      const taken = await check('take', limit, subject(req));
      if (!taken) return;
      setHeaders(res, [taken]);
      if (!taken.state.allowed) throw refuse(taken, message);
    };
  }

  return {
    /** Behind authentication: one token per post, per author. */
    posting: bucket(limits.post, (req) => req.userId ?? clientAddress(req), 'too many posts'),

    /** One token per registration, per client address. */
    registration: bucket(limits.register, clientAddress, 'too many registrations from your address'),

    /**
     * A login attempt for `id`: refused up front when the account or the address has no failures
     * left (before any password hashing), then told how it went. Only failures are counted; a
     * success fills the account's bucket again, never the address's.
     */
    async login(req: Request, res: Response, id: string) {
      if (exempt(req)) return UNCOUNTED_LOGIN;
      const address = clientAddress(req);
      const account = isIssuedId(id) ? id : null;
      const peeked = await Promise.all([account ? check('peek', limits.loginAccount, account) : null, check('peek', limits.loginAddress, address)]);
      const [onAccount, onAddress] = peeked;
      setHeaders(
        res,
        peeked.filter((c): c is Checked => c !== null),
      );
      if (onAccount && !onAccount.state.allowed) throw refuse(onAccount, 'too many failed logins for this account');
      if (onAddress && !onAddress.state.allowed) throw refuse(onAddress, 'too many failed logins from your address');
      return {
        /** Wrong password: counts against the account and the address; unknown account: the address only. */
        async failed(accountExists: boolean): Promise<void> {
          const charged = await Promise.all([account && accountExists ? check('charge', limits.loginAccount, account) : onAccount, check('charge', limits.loginAddress, address)]);
          setHeaders(
            res,
            charged.filter((c): c is Checked => c !== null),
          );
        },
        async succeeded(): Promise<void> {
          if (!account) return;
          await buckets.reset(limits.loginAccount.name, account).catch((err: Error) => log.warn({ err: err.message }, 'rate limit reset failed'));
        },
      };
    },
  };
}

export type ApiRateLimits = ReturnType<typeof createRateLimits>;
