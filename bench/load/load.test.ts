// The ledger benchmark's short form: a few hundred clients for a few seconds through the real
// stack (core, worker, two edge nodes), once for every system the tool compares: ours and the
// broadcast and per-user alternatives (WebSocket and SSE mixed, part through HAProxy), and
// Socket.IO with the Redis adapter. Every post must reach every follower online exactly once,
// in order, on each: a comparison system wired wrongly fails here, not in a report. No timing
// assertions: this machine runs other tests at the same time.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runLoad } from './load.ts';
import { parseOptions } from './options.ts';
import { SYSTEMS } from './stack.ts';

describe('load tool (short form)', () => {
  it('on every system, delivers every post to every online follower exactly once, in order', { timeout: 240_000 }, async () => {
    const options = parseOptions([
      '--users',
      '200',
      '--follows',
      '10',
      '--celebrities',
      '2',
      '--celebrity-reach',
      '0.3',
      '--celebrity-share',
      '0.05',
      '--rate',
      '300',
      '--seconds',
      '2',
      '--systems',
      SYSTEMS.join(','),
      '--clients-per-process',
      '200',
      '--connect-concurrency',
      '50',
      '--grace',
      '30',
      '--warmup',
      '0',
      '--no-report',
      '--database',
      `feed_bench_load_test_${randomBytes(3).toString('hex')}`,
    ]);
    const lines: string[] = [];
    const result = await runLoad(
      options,
      {
        adminUrl: process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        redisUrl: inject('redisUrl'),
        amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      },
      (line) => lines.push(line),
    );
    expect(result.comparison.map((r) => r.system)).toEqual([...SYSTEMS]);
    for (const run of result.comparison) {
      const summary = { label: run.label, clients: run.clients, posts: run.posts, ledger: { ...run.ledger, latencyMs: undefined }, log: lines };
      expect(run.verdict, JSON.stringify(summary)).toEqual({ ok: true, problems: [] });
      expect(run.clients.connected).toBe(200);
      if (run.system !== 'socketio') {
        expect(run.clients.sse).toBeGreaterThan(0);
        expect(run.clients.viaHaproxy).toBeGreaterThan(0);
      }
      expect(run.ledger.expected).toBeGreaterThan(run.ledger.posts);
      expect(run.ledger.delivered).toBe(run.ledger.expected);
    }
  });
});
