// The operators' view of the gateways (core reads Redis and each gateway's /metrics).
import { request } from './http.ts';
import type { GatewayStats } from '@feed/contracts/cluster';

export const getCluster = (signal?: AbortSignal) => request<GatewayStats[]>('GET', '/cluster', signal ? { signal } : {});
