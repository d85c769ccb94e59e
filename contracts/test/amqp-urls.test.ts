import { describe, expect, it } from 'vitest';
import { amqpUrls, failover, redactAmqpUrl, validAmqpUrls } from '../src/amqp-urls.ts';

describe('AMQP_URL lists', () => {
  it('splits, trims and validates', () => {
    expect(amqpUrls(' amqp://a:1 , amqp://b:2,,')).toEqual(['amqp://a:1', 'amqp://b:2']);
    expect(validAmqpUrls('amqp://guest:guest@127.0.0.1:5672')).toBe(true);
    expect(validAmqpUrls('amqp://a:1,amqps://b:2')).toBe(true);
    expect(validAmqpUrls('amqp://a:1,http://b')).toBe(false);
    expect(validAmqpUrls('not a url')).toBe(false);
    expect(validAmqpUrls(' , ')).toBe(false);
  });

  it('passes a single URL to amqplib untouched', () => {
    const one = failover('amqp://guest:guest@127.0.0.1:5672');
    expect(one.target).toBe('amqp://guest:guest@127.0.0.1:5672');
    one.next();
    expect(one.current).toBe('amqp://guest:guest@127.0.0.1:5672');
  });

  it('moves one connect object round the list, as amqplib reads it on every attempt', () => {
    const nodes = failover('amqp://u%40x:p%3Aw@h1:5681/v%2Fh?heartbeat=10,amqps://h2,amqp://h3:5683');
    const target = nodes.target;
    expect(target).toEqual({
      protocol: 'amqp',
      hostname: 'h1',
      port: 5681,
      username: 'u@x',
      password: 'p:w',
      vhost: 'v%2Fh',
      locale: undefined,
      frameMax: undefined,
      heartbeat: 10,
      channelMax: undefined,
    });
    nodes.next();
    expect(nodes.target).toBe(target); // the same object, moved
    expect(target).toMatchObject({ protocol: 'amqps', hostname: 'h2', port: undefined, username: undefined, vhost: undefined, heartbeat: undefined });
    nodes.next();
    expect(nodes.current).toBe('amqp://h3:5683');
    nodes.next();
    expect(target).toMatchObject({ hostname: 'h1', port: 5681 });
  });

  it('masks passwords for logs', () => {
    expect(redactAmqpUrl('amqp://guest:secret@h:1/v')).toBe('amqp://guest:***@h:1/v');
    expect(redactAmqpUrl('amqp://h:1')).toBe('amqp://h:1');
  });
});
