// Logout revokes the token it was given, everywhere: the token's id goes to Redis until the
// token would expire (cache/src/revocation.ts), the REST API checks it on every authenticated
// request, and each gateway holding a stream of the user is told at once so it closes the
// streams opened with that token (gateways also check their open streams periodically, which
// covers a notice lost with the broker). See docs/security.md#revocation.
import { InvalidTokenError, verifyToken, type TokenClaims } from '@feed/contracts';
import { within, type Presence, type Revocations, type TokenRef } from '@feed/cache';
import type { Logger } from '../log.ts';

/** How long a REST request waits for the revocation check before it goes on without it. */
const CHECK_BUDGET_MS = 1_000;
/** How long a logout waits for the gateways' notice to be confirmed; the periodic check covers the rest. */
const NOTICE_BUDGET_MS = 1_000;

/** Tells the gateways holding `token.userId`'s streams that `token` is revoked. */
export type RevocationNotice = (token: TokenRef, gateways: readonly string[]) => Promise<void>;

export class SessionRevocation {
  constructor(
    private readonly revocations: Revocations,
    private readonly presence: Presence,
    private readonly keys: Uint8Array[],
    private readonly log: Logger,
    private readonly notify?: RevocationNotice,
  ) {}

  /**
   * Whether a verified token was revoked. With Redis unreachable (or slower than 1 s) the answer
   * is "not revoked": the REST API stays up with its cache down, as the rate limits do, and an
   * outsider cannot make Redis unreachable to reopen that window (docs/security.md#revocation).
   */
  async isRevoked(claims: TokenClaims): Promise<boolean> {
    try {
      return await within(CHECK_BUDGET_MS, 'revocation check', this.revocations.isRevoked(claims));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'revocation check unavailable: accepting the token on its signature');
      return false;
    }
  }

  /**
   * Revokes each of `tokens` that is genuine and unexpired (anything else grants nothing and is
   * skipped). Throws when Redis cannot record a revocation: the caller must not be told it
   * logged out. Telling the gateways is best effort; their periodic check is the backstop.
   */
  async revoke(tokens: Iterable<string>): Promise<number> {
    const genuine = new Map<string, TokenClaims>();
    for (const token of new Set(tokens)) {
      try {
        const claims = await verifyToken(token, this.keys);
        genuine.set(claims.tokenId, claims);
      } catch (err) {
        if (!(err instanceof InvalidTokenError)) throw err;
      }
    }
    for (const claims of genuine.values()) {
      await this.revocations.revoke(claims, claims.expiresAt);
      await this.tellGateways(claims);
    }
    return genuine.size;
  }

  private async tellGateways(token: TokenRef): Promise<void> {
    if (!this.notify) return;
    const notify = this.notify;
    const send = async () => {
      const gateways = (await this.presence.lookup([token.userId])).get(token.userId) ?? [];
      if (gateways.length > 0) await notify({ userId: token.userId, tokenId: token.tokenId }, gateways);
    };
    try {
      // A broker that takes the publish but never confirms it must not hold the logout.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not confirmed within ${NOTICE_BUDGET_MS} ms`)), NOTICE_BUDGET_MS);
      });
      await Promise.race([send(), late]).finally(() => clearTimeout(timer));
    } catch (err) {
      this.log.warn({ err: (err as Error).message, userId: token.userId }, 'revocation notice not sent: gateways will find it at their next check');
    }
  }
}
