// The ledger benchmark's short form: a few hundred clients for a few seconds through the real
// stack (core, worker, two gateways, HAProxy for part of the clients), WebSocket and SSE mixed.
// Every post must reach every follower online exactly once. No timing assertions: this machine
// runs other tests at the same time.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { runLoad } from './load.ts';
import { parseOptions } from './options.ts';

describe('load tool (short form)', () => {
  it('delivers every post to every online follower exactly once', { timeout: 240_000 }, async () => {
    const options = parseOptions([
      '--users', '300',
      '--follows', '10',
      '--celebrities', '2',
      '--celebrity-reach', '0.3',
      '--celebrity-share', '0.05',
      '--rate', '300',
      '--seconds', '4',
      '--systems', 'ours',
      '--clients-per-process', '150',
      '--grace', '30',
      '--warmup', '2',
      '--no-report',
      '--database', `feed_bench_load_test_${randomBytes(3).toString('hex')}`,
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
    for (const run of result.comparison) {
      const summary = { label: run.label, clients: run.clients, posts: run.posts, ledger: { ...run.ledger, latencyMs: undefined } };
      expect(run.clients.failed, JSON.stringify(summary)).toBe(0);
      expect(run.clients.connected).toBe(300);
      expect(run.clients.sse).toBeGreaterThan(0);
      expect(run.clients.viaHaproxy).toBeGreaterThan(0);
      expect(run.posts.failed, run.posts.errors.join('; ')).toBe(0);
      expect(run.ledger.posts).toBeGreaterThan(0);
      expect(run.ledger.expected).toBeGreaterThan(run.ledger.posts);
      expect(run.ledger.lost, lines.join('\n')).toBe(0);
      expect(run.ledger.duplicated).toBe(0);
      expect(run.ledger.unexpected).toBe(0);
      expect(run.ledger.delivered).toBe(run.ledger.expected);
      expect(run.messagesIn.every((n) => n > 0)).toBe(true);
    }
  });
});
