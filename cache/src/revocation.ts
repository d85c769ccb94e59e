// Revoked access tokens: a logout writes the token's id here, and every service that accepts
// tokens (core's REST API, each gateway at the handshake and for its open streams) asks before
// trusting a signature alone. One key per token, alive until the token would have expired
// anyway, so the set never outgrows the tokens still valid, and each check is one GET of one
// key (slot-correct on a cluster: the key carries the user's hash tag).
//
//   revoked:{u:<user>}:<jti>  String "1", expires when the token does
import { pipelined, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';

/** What identifies one access token: its subject and its id (`jti`). */
export interface TokenRef {
  userId: string;
  tokenId: string;
}

export class Revocations {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Revokes one token until `expiresAt` (seconds since the epoch, its `exp`); one already expired needs nothing. */
  async revoke(token: TokenRef, expiresAt: number, now = Date.now()): Promise<void> {
    const expiresAtMs = Math.ceil(expiresAt * 1000);
    if (expiresAtMs <= now) return;
    await this.redis.set(this.keys.revokedToken(token.userId, token.tokenId), '1', 'PXAT', expiresAtMs);
  }

  async isRevoked(token: TokenRef): Promise<boolean> {
    return (await this.redis.exists(this.keys.revokedToken(token.userId, token.tokenId))) === 1;
  }

  /** Which of many tokens are revoked (one pipeline per Redis node), in the order given. */
  async revoked(tokens: readonly TokenRef[]): Promise<boolean[]> {
    const keys = tokens.map((t) => this.keys.revokedToken(t.userId, t.tokenId));
    const replies = await pipelined(this.redis, keys, (pipeline, i) => pipeline.exists(keys[i]!));
    return replies.map(([count]) => count === 1);
  }
}
