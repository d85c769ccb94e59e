// A client module for the pool's own test: connections that are only names. Each reports its
// name and its process once open, and does what its spec says (fail to open, or end by itself).
import { serveConnections } from '../client-pool.ts';

export interface PoolSpec {
  name: string;
  fails?: boolean;
  /** Ends by itself right after it opened. */
  drops?: boolean;
}

export const poolClients = serveConnections<PoolSpec, string[], { prefix: string }>((settings) => {
  let gathered: string[] = [];
  return {
    async open(spec, lost) {
      if (spec.fails) throw new Error(`${spec.name} refused`);
      gathered.push(`${settings.prefix}${spec.name}@${process.pid}`);
      if (spec.drops) setImmediate(() => lost('dropped by the test'));
      return { close: () => gathered.push(`closed ${spec.name}`) };
    },
    take() {
      if (gathered.length === 0) return null;
      const batch = gathered;
      gathered = [];
      return batch;
    },
  };
});
