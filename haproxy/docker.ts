// The docker-compose topology of haproxy.docker.cfg (service names resolve in the compose network).
import type { Topology } from './render.ts';

export const dockerTopology: Topology = {
  core: [
    { name: 'core1', address: 'core:3000' },
    { name: 'core2', address: 'core2:3000' },
  ],
  gateways: [
    { name: 'gw1', address: 'gateway1:4000' },
    { name: 'gw2', address: 'gateway2:4000' },
  ],
};
