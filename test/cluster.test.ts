// The data path of the cluster view: gateways announce their URL in Redis, core reads the live
// ones and parses each gateway's Prometheus text.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Presence, createKeys } from '@feed/cache';
import { parseMetrics, runtimeOf } from '../core/src/routes/cluster.ts';

const redis = new Redis(inject('redisUrl'));
const presence = new Presence(redis, createKeys(`${inject('redisPrefix')}cluster-${randomBytes(3).toString('hex')}:`));
afterAll(() => redis.quit());

describe('cluster view data', () => {
  it('sums Prometheus samples over their labels', () => {
    const text = [
      '# HELP gateway_sessions Open sessions by transport',
      '# TYPE gateway_sessions gauge',
      'gateway_sessions{transport="websocket",gateway="gw1"} 3',
      'gateway_sessions{transport="sse",gateway="gw1"} 2',
      'gateway_users{gateway="gw1"} 4',
      'gateway_events_out_total{transport="websocket",gateway="gw1"} 1.5e3',
      'gateway_messages_in_total 7',
      'process_cpu_seconds_total{gateway="gw1"} NaN',
      '',
    ].join('\n');
    const sums = parseMetrics(text);
    expect(sums.get('gateway_sessions')).toBe(5);
    expect(sums.get('gateway_users')).toBe(4);
    expect(sums.get('gateway_events_out_total')).toBe(1500);
    expect(sums.get('gateway_messages_in_total')).toBe(7);
    expect(sums.has('process_cpu_seconds_total')).toBe(false);
  });

  it('reads the runtime from the gateway_info metric, whatever the label order', () => {
    expect(runtimeOf('gateway_users 1\ngateway_info{runtime="deno",gateway="gw2"} 1\n')).toBe('deno');
    expect(runtimeOf('gateway_info{gateway="gw1",runtime="node"} 1')).toBe('node');
    expect(runtimeOf('gateway_users 1')).toBeNull(); // a gateway from before the metric
  });

  it('lists live gateways with their URLs and forgets the dead ones', async () => {
    const now = Date.now();
    await presence.announce('gw-a', 30_000, now, { url: 'http://127.0.0.1:4001' });
    await presence.announce('gw-b', 30_000, now); // an older gateway that announces no URL
    await presence.announce('gw-dead', 1, now - 10_000, { url: 'http://127.0.0.1:4009' });
    const live = await presence.liveGatewayInfo(now);
    expect(live.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: 'gw-a', info: { url: 'http://127.0.0.1:4001' } },
      { id: 'gw-b', info: undefined },
    ]);
    await presence.withdraw('gw-a');
    expect((await presence.liveGatewayInfo(now)).map((g) => g.id)).toEqual(['gw-b']);
  });
});
