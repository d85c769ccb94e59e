// Revoked access tokens: a logout writes the token's id here, and every service that accepts
// tokens (core's REST API, each gateway at the handshake and for its open streams) asks before
// trusting a signature alone. One key per token, alive until the token would have expired
// anyway, so the set never outgrows the tokens still valid, and each check is one GET of one
// key (slot-correct on a cluster: the key carries the user's hash tag).
//
// Each revocation is also appended to a short stream, so that a gateway's periodic check reads
// the revocations made since its last one (one read, whatever the number of open streams)
// instead of asking about every open stream's token. The stream keeps the newest
// STREAM_LENGTH; a reader that fell further behind is told so and checks every token instead.
//
//   revoked:{u:<user>}:<jti>  String "1", expires when the token does
//   revocations               STREAM {u: user, t: jti}, newest last
import { pipelined, type RedisClient } from './connection.ts';
import type { Keys } from './keys.ts';

/** Revocations the stream keeps: far more than the logouts of one check period. */
const STREAM_LENGTH = 10_000;
/** Entries read per command. */
const READ_COUNT = 1_000;

/** What identifies one access token: its subject and its id (`jti`). */
export interface TokenRef {
  userId: string;
  tokenId: string;
}

/** Where a reader of the revocation stream stands. */
export interface RevocationCursor {
  /** The id of the last entry read ('0-0' before any). */
  id: string;
  /** How many entries the stream had ever taken when that one was read (XINFO entries-added). */
  added: number;
}

export interface RevocationsRead {
  /** The tokens revoked after the old cursor, oldest first. */
  tokens: TokenRef[];
  cursor: RevocationCursor;
  /**
   * Some revocations after the old cursor are not in the stream any more (more were made than
   * it keeps, or Redis lost it): the reader cannot know them and must check its tokens one by one.
   */
  gap: boolean;
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
    // The key first: a reader of the stream that finds the entry can rely on the key (the sweep).
    await this.redis.set(this.keys.revokedToken(token.userId, token.tokenId), '1', 'PXAT', expiresAtMs);
    await this.redis.xadd(this.keys.revocations(), 'MAXLEN', '~', STREAM_LENGTH, '*', 'u', token.userId, 't', token.tokenId);
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

  /** The end of the stream: where a new reader starts, owing nothing made before. */
  async latest(): Promise<RevocationCursor> {
    const { last, added } = await this.streamInfo();
    return { id: last, added };
  }

  /**
   * The revocations after `cursor`. Exact: the stream counts every entry it ever took, so the
   * reader knows how many it owes and whether the stream still holds them all.
   */
  async readSince(cursor: RevocationCursor): Promise<RevocationsRead> {
    const { last, added, length } = await this.streamInfo();
    const owed = added - cursor.added;
    // Fewer entries than before: the stream was lost (a flush, an empty replica) and began anew.
    // More owed than it holds: trimmed. Near its full length: it may trim the oldest owed before
    // they are read.
    const trimming = length >= STREAM_LENGTH && owed > length - READ_COUNT;
    if (owed < 0 || owed > length || trimming) return { tokens: [], cursor: { id: last, added }, gap: true };
    const tokens: TokenRef[] = [];
    let id = cursor.id;
    while (tokens.length < owed) {
      const count = Math.min(READ_COUNT, owed - tokens.length);
      const entries = (await this.redis.xrange(this.keys.revocations(), `(${id}`, '+', 'COUNT', count)) as [string, string[]][];
      // Trimmed between the two reads: the owed entries are not all there.
      if (entries.length === 0) return { tokens, cursor: { id: last, added }, gap: true };
      for (const [entryId, fields] of entries) {
        tokens.push({ userId: fieldOf(fields, 'u'), tokenId: fieldOf(fields, 't') });
        id = entryId;
      }
    }
    return { tokens, cursor: { id, added: cursor.added + tokens.length }, gap: false };
  }

  private async streamInfo(): Promise<{ last: string; added: number; length: number }> {
    let reply: unknown[];
    try {
      reply = (await this.redis.xinfo('STREAM', this.keys.revocations())) as unknown[];
    } catch (err) {
      if (/no such key/i.test((err as Error).message)) return { last: '0-0', added: 0, length: 0 };
      throw err;
    }
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < reply.length; i += 2) info.set(String(reply[i]), reply[i + 1]);
    return { last: String(info.get('last-generated-id') ?? '0-0'), added: Number(info.get('entries-added') ?? 0), length: Number(info.get('length') ?? 0) };
  }
}

function fieldOf(fields: string[], name: string): string {
  const at = fields.indexOf(name);
  return at >= 0 ? (fields[at + 1] ?? '') : '';
}
