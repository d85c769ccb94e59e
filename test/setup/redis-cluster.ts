// Vitest global setup of the `cluster` project: one Redis Cluster (six nodes, three masters)
// for the whole project run, on free ports, removed at the end. The project reruns the cache,
// feed pipeline, resume and gateway suites with REDIS_CLUSTER_NODES set, so every key layout,
// script and pipeline meets a real cluster (a CROSSSLOT or a cross-node pipeline fails them).
import type { TestProject } from 'vitest/node';
import { RedisCluster } from '../support/redis-cluster.ts';

export default async function setup(project: TestProject) {
  // 5 s: no accidental failover when the machine is busy (the failover test has a cluster of its own).
  const cluster = await RedisCluster.start({ nodeTimeoutMs: 5_000 });
  project.provide('redisClusterNodes', cluster.nodes);
  return async () => {
    await cluster.stop();
  };
}
