export { connectBroker, type BrokerLog } from './connection.ts';
export { declareDomainExchange, declareFanout, declareGatewayExchange, declareGatewayQueue, type GatewayQueueSettings } from './topology.ts';
export type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
