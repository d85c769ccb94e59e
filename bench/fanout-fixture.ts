// What the two fan-out write benchmarks (bench/fanout-writes.ts on one Redis, and
// bench/redis-topology.ts on a Redis Cluster) share: recipients made ready the way a gateway
// makes its users ready, the event they receive, and the Redis CPU a run is charged.
import type { Redis } from 'ioredis';
import type { Cache } from '@feed/cache';

/** The post.created payload every benchmark recipient receives (a post of about 120 characters). */
export const FANOUT_PAYLOAD = JSON.stringify({ type: 'post.created', postId: '1', authorId: '42', text: 'Пример поста для ленты: '.repeat(5) });

/** Each user online on gateway `g1`, with an open event log and a built (empty) feed, through the cache's API. */
export async function prepareRecipients(cache: Cache, userIds: readonly string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += 100) {
    const slice = userIds.slice(i, i + 100);
    await Promise.all(
      slice.map(async (u) => {
        await cache.logs.open(u);
        await cache.feeds.replace(u, [], (await cache.feeds.lock(u, 10_000))!);
      }),
    );
    await cache.presence.register('g1', slice, 3_600_000);
  }
}

/** CPU seconds (system and user) one redis-server has used since it started (`INFO cpu`). */
export async function redisCpuSeconds(conn: Redis): Promise<number> {
  const info = await conn.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
  return field('used_cpu_sys') + field('used_cpu_user');
}
