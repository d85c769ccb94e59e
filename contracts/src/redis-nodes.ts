// REDIS_CLUSTER_NODES names the seed nodes of a Redis Cluster. Its parse lives here, beside
// AMQP_URL's, so the shared configuration schema (config.ts) validates it with the very rule
// the cache's client (cache/src/connection.ts) connects with.

/** `host:port,host:port` → seed nodes; throws with a message on a malformed entry. */
export function parseClusterNodes(list: string): { host: string; port: number }[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(entry);
      const port = m ? Number(m[2]) : 0;
      if (!m || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
      return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
    });
}

/** For config validation: true when `list` is empty or a valid node list. */
export function validClusterNodes(list: string): boolean {
  try {
    parseClusterNodes(list);
    return true;
  } catch {
    return false;
  }
}
