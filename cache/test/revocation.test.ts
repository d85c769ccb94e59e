// Revoked tokens against the real Redis (and, in the cluster project, a Redis Cluster): one key
// per token that lives exactly until the token's expiry, a single check, and a batch check of
// tokens spread over many users (so over many slots) in order.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectRedis, createCache, unlinkMatching, type Cache, type RedisClient } from '../src/index.ts';

let redis: RedisClient;
let cache: Cache;
beforeAll(() => {
  redis = connectRedis({ url: inject('redisUrl'), clusterNodes: inject('redisClusterNodes') }, () => {});
  cache = createCache(redis, { prefix: `${inject('redisPrefix')}revoked-${randomBytes(3).toString('hex')}:` });
});
afterAll(async () => {
  await unlinkMatching(redis, `${cache.settings.prefix}*`);
  await redis.quit();
});

const token = (userId: string) => ({ userId, tokenId: randomUUID() });

describe('revocations', () => {
  it('remember a revoked token until its expiry, and only that token', async () => {
    const revoked = token('17');
    const other = token('17');
    const expiresAt = Date.now() / 1000 + 600;
    await cache.revocations.revoke(revoked, expiresAt);
    expect(await cache.revocations.isRevoked(revoked)).toBe(true);
    expect(await cache.revocations.isRevoked(other)).toBe(false);
    expect(await cache.revocations.isRevoked({ userId: '18', tokenId: revoked.tokenId })).toBe(false);
    const ttl = await redis.pttl(cache.keys.revokedToken(revoked.userId, revoked.tokenId));
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it('write nothing for a token that has already expired', async () => {
    const old = token('19');
    await cache.revocations.revoke(old, Date.now() / 1000 - 1);
    expect(await redis.exists(cache.keys.revokedToken(old.userId, old.tokenId))).toBe(0);
  });

  it('answer a batch across many users in the order asked', async () => {
    const tokens = Array.from({ length: 300 }, (_, i) => token(String(1000 + i)));
    const revoked = new Set(tokens.filter((_, i) => i % 7 === 0).map((t) => t.tokenId));
    for (const t of tokens) if (revoked.has(t.tokenId)) await cache.revocations.revoke(t, Date.now() / 1000 + 60);
    expect(await cache.revocations.revoked(tokens)).toEqual(tokens.map((t) => revoked.has(t.tokenId)));
    expect(await cache.revocations.revoked([])).toEqual([]);
  });

  it('are read back since a cursor, in order and each once, and a reader the stream no longer covers is told', async () => {
    const start = await cache.revocations.latest();
    const made = [token('21'), token('22'), token('21')];
    for (const t of made) await cache.revocations.revoke(t, Date.now() / 1000 + 60);
    const first = await cache.revocations.readSince(start);
    expect(first).toMatchObject({ tokens: made, gap: false });
    expect(await cache.revocations.readSince(first.cursor)).toMatchObject({ tokens: [], gap: false });
    const later = token('23');
    await cache.revocations.revoke(later, Date.now() / 1000 + 60);
    const second = await cache.revocations.readSince(first.cursor);
    expect(second).toMatchObject({ tokens: [later], gap: false });

    // Trimmed past what a reader owes (more revocations than the stream keeps).
    await cache.revocations.revoke(token('24'), Date.now() / 1000 + 60);
    await redis.xtrim(cache.keys.revocations(), 'MAXLEN', 0);
    expect(await cache.revocations.readSince(second.cursor)).toMatchObject({ tokens: [], gap: true });
    // The stream lost whole (a flush): a reader that had read some is told too.
    await redis.del(cache.keys.revocations());
    const lost = await cache.revocations.readSince(second.cursor);
    expect(lost).toMatchObject({ tokens: [], gap: true });
    const after = token('25');
    await cache.revocations.revoke(after, Date.now() / 1000 + 60);
    expect(await cache.revocations.readSince(lost.cursor)).toMatchObject({ tokens: [after], gap: false });
  });
});
