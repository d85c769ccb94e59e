// @feed/client: the one client of the live stream. See docs/stream.md for its use in browsers,
// Node and Deno.
export { FeedClient, NO_POSITION, defaultTransports, type FeedClientOptions, type FeedState, type FeedStatus, type TransportPreference } from './client.ts';
export { Backoff, DEFAULT_BACKOFF, backoffCeiling, backoffDelay, type BackoffOptions } from './backoff.ts';
export { ResumeTracker, type PositionStorage, type ResumeOptions } from './resume.ts';
export { alwaysOnline, browserNetwork, type NetworkWatch } from './network.ts';
export { parseFrame, parseSseMessage, toFeedEvent } from './events.ts';
export { sseTransport, type SseTransportOptions, type StreamFetch, type StreamReader, type StreamRequest, type StreamResponse } from './sse.ts';
export { standardWebSocket, webSocketTransport, webSocketUrl, type SocketHandlers, type StandardWebSocket, type WebSocketAdapter, type WebSocketTransportOptions } from './websocket.ts';
export { endOfHttp, endOfWebSocket, realTimers, type AuthError, type Credentials, type OpenTransport, type Timers, type TransportConnection, type TransportEnd, type TransportHandlers, type TransportKind } from './transport.ts';
export type { FeedEvent, FeedEventType, StreamPost } from '@feed/contracts/stream';
