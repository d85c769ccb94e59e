// `npm run feeds:rebuild [-- --concurrency N]`: rebuilds every user's cached feed from Postgres,
// e.g. after a Redis loss or a change of FEED_SIZE. Each rebuild takes the same per-user lock
// as a reader's rebuild and swaps the new feed in atomically, so it runs safely beside live traffic.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { FeedReader } from '../feed/reader.ts';
import { createLogger } from '../log.ts';
import { createServices } from '../services.ts';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '8' } } });
const concurrency = Math.max(1, Number(values.concurrency) || 8);

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'feeds:rebuild');
const { db, redis, cache } = createServices(config, log);
const reader = new FeedReader(db, cache, { celebrityThreshold: config.CELEBRITY_THRESHOLD, rebuildLockMs: 30_000 }, log);

const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM users');
const total = Number(rows[0]?.n ?? 0);
const bar = new cliProgress.SingleBar({ format: 'rebuilding feeds [{bar}] {percentage}% | {value}/{total} users | {rate}/s | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
bar.start(total, 0, { rate: 0 });
const started = Date.now();
let done = 0;
let after = '0';

for (;;) {
  const page = await db.query<{ id: string }>('SELECT id::text AS id FROM users WHERE id > $1 ORDER BY id LIMIT 1000', [after]);
  if (page.rows.length === 0) break;
  const ids = page.rows.map((r) => r.id);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const userId = ids[next++]!;
        await reader.rebuild(userId);
        done++;
        bar.update(done, { rate: Math.round(done / ((Date.now() - started) / 1000)) });
      }
    }),
  );
  after = ids.at(-1)!;
}
bar.stop();
console.log(`rebuilt ${done} feeds in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await Promise.allSettled([db.end(), redis.quit()]);
