// The chaos run's short form: a few faults under a few seconds of steady load each, on a stack
// of its own (private redis-server and RabbitMQ node, core, worker, two gateways, HAProxy),
// with 150 clients that reconnect and resume by themselves. Every accepted post must reach every
// follower exactly once and in order per author; every stream must come back and every process
// must be healthy again. No timing assertions: this machine runs other tests at the same time.
// The full run with its report: `npm run chaos` (docs/reliability.md, ## Chaos).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bench/chaos/run.ts';

describe('chaos (short form)', () => {
  it('loses, repeats and reorders nothing through a gateway SIGKILL, a worker SIGKILL mid fan-out, a RabbitMQ restart and a Redis FLUSHALL', { timeout: 240_000 }, async () => {
    const lines: string[] = [];
    const result = await runChaos(
      {
        adminUrl: process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
        database: `feed_chaos_test_${randomBytes(3).toString('hex')}`,
        clients: 150,
        follows: 8,
        bigFollowers: 5000,
        gateways: 2,
        postsPerSecond: 15,
        sseShare: 0.3,
        clientsPerProcess: 150,
        // Small batches: the big author's fan-out takes long enough to be killed in the middle.
        env: { FANOUT_BATCH: '200' },
        // Gateways notice a flushed Redis at their next heartbeat.
        gatewayEnv: { GATEWAY_HEARTBEAT_MS: '2000' },
        faults: ['gateway-kill', 'worker-kill', 'rabbit-restart', 'redis-flush'],
        baselineMs: 1500,
        afterMs: 3000,
      },
      (line) => lines.push(line),
    );
    const why = () => `${lines.join('\n')}\nstill owed: ${JSON.stringify(result.stillOwed)}\n${JSON.stringify(result.samples)}`;
    expect(result.crashes, why()).toEqual([]);
    for (const r of result.results) {
      const c = r.counts!;
      expect(c.posts, `${r.id}: no posts`).toBeGreaterThan(0);
      expect(c.lost, `${r.id} lost\n${why()}`).toBe(0);
      expect(c.duplicated, `${r.id} duplicated\n${why()}`).toBe(0);
      expect(c.outOfOrder, `${r.id} out of order\n${why()}`).toBe(0);
      expect(c.unexpected, `${r.id} unexpected\n${why()}`).toBe(0);
      expect(c.delivered).toBe(c.expected);
      expect(r.unhealthy, `${r.id} unhealthy`).toEqual([]);
    }
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    expect(byId['gateway-kill']!.streamsDown, 'the killed gateway held streams').toBeGreaterThan(0);
    expect(byId['worker-kill']!.notes.join(' '), 'killed mid fan-out').toMatch(/log entries written/);
    expect(byId['redis-flush']!.resets, 'flushed logs reset the clients').toBeGreaterThan(0);
    expect(result.totals.lost).toBe(0);
  });
});
