// Where Redis spends its time in a run: INFO commandstats before and after the measured window,
// over every master. Commands a script runs are counted both on their own line and inside the
// script's (EVALSHA) time, so the lines overlap and do not add up to Redis's CPU.
import { connectRedis, masters } from '@feed/cache';

export type CommandStats = Map<string, { calls: number; usec: number }>;

export async function commandStats(redisUrl: string, clusterNodes: string): Promise<CommandStats> {
  const redis = connectRedis({ url: redisUrl, clusterNodes }, () => {});
  try {
    const stats: CommandStats = new Map();
    for (const node of await masters(redis)) {
      for (const m of (await node.info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/gm)) {
        const s = stats.get(m[1]!) ?? { calls: 0, usec: 0 };
        stats.set(m[1]!, { calls: s.calls + Number(m[2]), usec: s.usec + Number(m[3]) });
      }
    }
    return stats;
  } finally {
    redis.disconnect();
  }
}

/** The commands that took the most Redis time between two readings, longest first. */
export function busiestCommands(before: CommandStats, after: CommandStats, top = 8): { command: string; calls: number; seconds: number }[] {
  return [...after]
    .map(([command, s]) => ({ command, calls: s.calls - (before.get(command)?.calls ?? 0), seconds: (s.usec - (before.get(command)?.usec ?? 0)) / 1e6 }))
    .filter((c) => c.calls > 0)
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, top);
}
