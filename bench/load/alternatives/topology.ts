// The alternatives' RabbitMQ names and declarations, shared by their worker and their gateway:
// broadcast-and-filter's fanout exchange (every gateway gets every event) and the per-user
// design's direct exchange (one binding per user a gateway holds).
import type { Channel } from '@feed/broker';

export function alternativeTopology(prefix: string) {
  const broadcastExchange = `${prefix}broadcast`;
  const usersExchange = `${prefix}users`;
  return {
    broadcastExchange,
    usersExchange,
    /** The per-user design's routing key: one per user, bound by the gateway holding them. */
    userKey: (userId: string) => `u.${userId}`,
    declareBroadcast: (channel: Channel) => channel.assertExchange(broadcastExchange, 'fanout', { durable: false }),
    declareUsers: (channel: Channel) => channel.assertExchange(usersExchange, 'direct', { durable: false }),
  };
}
