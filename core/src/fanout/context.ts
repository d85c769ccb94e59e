import type { Pool } from '@feed/db';
import type { Cache } from '@feed/cache';
import type { Logger } from '../log.ts';
import type { LivePublisher } from './live-publisher.ts';

/** What every fan-out handler works with. */
export interface FanoutContext {
  db: Pool;
  cache: Cache;
  live: LivePublisher;
  log: Logger;
  /** Authors with more followers than this are celebrities: no fan-out on write. */
  celebrityThreshold: number;
  /** Followers read from Postgres and written to Redis per round trip. */
  batchSize: number;
}
