import { print } from 'graphql';
import { ConsoleDocument } from '../operations/generated/graphql';
import type { EstateShape } from '../src/simulators/estate';
import { gqlAt, openWorld, startClouds, type Kind } from './harness';

/*
 * Scenario 1: upstream calls of the console query (operations/console.graphql) on two
 * datacenters, one of each kind, at 10, 100 and 1,000 instances (half in each). Calls per
 * query = the simulators' counter delta ÷ requests, against the minimum (one call per
 * datacenter and kind of call the query touches) and against a naive resolver that calls once
 * per parent for every field that reads the cloud.
 */

/**
 * Per datacenter, half of each size; shapes within the console's pages (50 networks × 10
 * subnets × 20 instances), so that every instance is in the answer. OpenStack places an
 * instance on a network, not a subnet, hence one subnet per network.
 */
export const SIZES: { instances: number; shape: EstateShape }[] = [
  { instances: 10, shape: { networks: 1, subnets: 1, instances: 5 } },
  { instances: 100, shape: { networks: 5, subnets: 1, instances: 10 } },
  { instances: 1000, shape: { networks: 25, subnets: 1, instances: 20, floatingIpEvery: 5 } },
];
const REQUESTS = 5;

export interface UpstreamRow {
  instances: number;
  /** Instances of this datacenter in the answer. */
  returned: number;
  datacenter: Kind;
  perQuery: number;
  minimum: number;
  naive: number;
  /** Calls per query, by operation. */
  operations: Record<string, number>;
}

export async function upstreamCalls(): Promise<UpstreamRow[]> {
  const clouds = await startClouds();
  const world = await openWorld(clouds);
  try {
    const rows: UpstreamRow[] = [];
    for (const size of SIZES) {
      const user = await world.addUser(`u${size.instances}`, size.shape);
      const query = print(ConsoleDocument);
      // Warm: tokens and the drivers' catalogue caches are not what is measured.
      await gqlAt(world.url, query, {}, user.token);
      await clouds.reset();
      let answer: any;
      for (let i = 0; i < REQUESTS; i++) answer = await gqlAt(world.url, query, {}, user.token);
      const counted = await clouds.stats();
      for (const tenancy of answer.viewer.tenancies) {
        const kind = tenancy.datacenter.kind as Kind;
        const networks = tenancy.networks.nodes;
        const subnets = networks.flatMap((n: any) => n.subnets.nodes);
        const instances = subnets.flatMap((s: any) => s.instances.nodes);
        const volumes = instances.flatMap((i: any) => i.volumes);
        // Per tenancy: quota (OpenStack asks Nova, Cinder and Neutron; CloudStack one account), key pairs, networks.
        const tenancyCalls = (kind === 'OPENSTACK' ? 3 : 1) + 2;
        // Per network: subnets, ipAvailability, zone; per subnet: ipAvailability, instances; per instance:
        // flavor, image, zone, addresses, volumes, floating IPs, security groups, key pair; per volume: backups.
        const naive = tenancyCalls + networks.length * 3 + subnets.length * 2 + instances.length * 8 + volumes.length;
        rows.push({
          instances: size.instances,
          returned: instances.length,
          datacenter: kind,
          perQuery: counted[kind].total / REQUESTS,
          minimum: Object.keys(counted[kind].operations).length,
          naive,
          operations: Object.fromEntries(Object.entries(counted[kind].operations).map(([op, n]) => [op, n / REQUESTS])),
        });
      }
    }
    return rows;
  } finally {
    await world.close();
    await clouds.close();
  }
}
