import type { ChildFilter, FloatingIp, FloatingIpStatus, Operation } from '../driver';
import { notFound, query, type Ctx } from './context';
import { externalNetworkId, isComputePort, neutronList, projectId, type WireNetwork, type WirePort } from './neutron';

/*
 * Floating IPs. The bandwidth they were sold with lives in the IP's own `description`
 * (`bandwidth=<Mbit/s>`): Neutron has no field for it and QoS policies are not everywhere.
 * The instance and network an IP serves come from `port_details` (extension fip-port-details),
 * or from one ports call where a cloud lacks it.
 */

interface WireFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  port_id: string | null;
  status: string;
  description?: string;
  port_details?: { network_id: string; device_id: string; device_owner: string } | null;
}

const BANDWIDTH = /(?:^|[\s;,])bandwidth=(\d+)/;

export function bandwidthOf(description: string | undefined): number | null {
  const m = BANDWIDTH.exec(description ?? '');
  return m ? Number(m[1]) : null;
}

function toFloatingIp(f: WireFloatingIp, ports: Map<string, WirePort>): FloatingIp {
  const details = f.port_details ?? (f.port_id ? ports.get(f.port_id) : undefined);
  const statuses: FloatingIpStatus[] = ['ACTIVE', 'DOWN', 'ERROR'];
  return {
    id: f.id,
    address: f.floating_ip_address,
    status: statuses.includes(f.status as FloatingIpStatus) ? (f.status as FloatingIpStatus) : 'PENDING',
    instanceId: details && isComputePort(details.device_owner) ? details.device_id : null,
    networkId: details?.network_id ?? null,
    bandwidthMbps: bandwidthOf(f.description),
  };
}

async function withPorts(ctx: Ctx, fips: WireFloatingIp[]): Promise<FloatingIp[]> {
  const missing = fips.filter((f) => f.port_id && f.port_details === undefined).map((f) => f.port_id!);
  const ports = missing.length ? await neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', {}, { key: 'id', values: missing }) : [];
  const byId = new Map(ports.map((p) => [p.id, p]));
  return fips.map((f) => toFloatingIp(f, byId));
}

/** 1 call per 100 ids (+ pages); parent (instance) filtering is local. +1 ports call only without port_details. */
export async function listFloatingIps(ctx: Ctx, filter: ChildFilter = {}): Promise<FloatingIp[]> {
  if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
  const project = await projectId(ctx);
  const fips = await neutronList<WireFloatingIp>(ctx, 'floatingips', 'neutron.floatingips.list', { project_id: project }, { key: 'id', values: filter.ids });
  const mapped = await withPorts(ctx, fips);
  const parents = filter.parentIds && new Set(filter.parentIds);
  return parents ? mapped.filter((f) => f.instanceId && parents.has(f.instanceId)) : mapped;
}

/**
 * On the datacenter's external network, or on `networkId` when that is an external network
 * too (a tenant network given here is the one the IP will serve: the gateway stays the
 * default external network). 1 call (+1 for the external network list the first time).
 */
export async function allocateFloatingIp(ctx: Ctx, spec: { bandwidthMbps: number; networkId?: string | null }): Promise<Operation<FloatingIp>> {
  let network = await externalNetworkId(ctx);
  if (spec.networkId && spec.networkId !== network) {
    const external = await neutronList<WireNetwork>(ctx, 'networks', 'neutron.networks.list', { 'router:external': 'true', id: spec.networkId });
    if (external.length) network = spec.networkId;
  }
  const { body } = await ctx.session.call<{ floatingip: WireFloatingIp }>('network', {
    operation: 'neutron.floatingips.create',
    method: 'POST',
    path: '/floatingips',
    body: { floatingip: { floating_network_id: network, description: `bandwidth=${spec.bandwidthMbps}` } },
    what: `Allocating a floating IP of ${spec.bandwidthMbps} Mbit/s`,
  });
  return { handle: { kind: 'done', resourceId: body.floatingip.id }, resource: toFloatingIp(body.floatingip, new Map()) };
}

/** The instance's first port with an IPv4 address gets the IP: 2 calls; ACTIVE once the L3 agent has wired it. */
export async function associateFloatingIp(ctx: Ctx, id: string, instanceId: string): Promise<Operation<FloatingIp>> {
  const what = `Associating floating IP ${id} with instance ${instanceId}`;
  const ports = await ctx.session.collect<WirePort>('network', { operation: 'neutron.ports.list', method: 'GET', path: '/ports', query: query({ device_id: instanceId }), what }, 'ports');
  const port = ports.find((p) => isComputePort(p.device_owner) && p.fixed_ips.some((ip) => !ip.ip_address.includes(':')));
  if (!port) throw notFound(ctx, `${what}: the instance has no port with an IPv4 address (or is not yours).`);
  const fixed = port.fixed_ips.find((ip) => !ip.ip_address.includes(':'))!;
  const { body } = await ctx.session.call<{ floatingip: WireFloatingIp }>('network', {
    operation: 'neutron.floatingips.update',
    method: 'PUT',
    path: `/floatingips/${encodeURIComponent(id)}`,
    body: { floatingip: { port_id: port.id, fixed_ip_address: fixed.ip_address } },
    what,
  });
  return {
    handle: { kind: 'openstack-status', resource: 'floatingip', id, success: ['ACTIVE'], failure: ['ERROR'] },
    resource: toFloatingIp(body.floatingip, new Map([[port.id, port]])),
  };
}

export async function disassociateFloatingIp(ctx: Ctx, id: string): Promise<Operation<FloatingIp>> {
  const what = `Disassociating floating IP ${id}`;
  const { body } = await ctx.session.call<{ floatingip: WireFloatingIp }>('network', {
    operation: 'neutron.floatingips.update',
    method: 'PUT',
    path: `/floatingips/${encodeURIComponent(id)}`,
    body: { floatingip: { port_id: null } },
    what,
  });
  return { handle: { kind: 'openstack-status', resource: 'floatingip', id, success: ['DOWN'], failure: ['ERROR'] }, resource: toFloatingIp(body.floatingip, new Map()) };
}

export async function releaseFloatingIp(ctx: Ctx, id: string): Promise<Operation<null>> {
  await ctx.session.call('network', {
    operation: 'neutron.floatingips.delete',
    method: 'DELETE',
    path: `/floatingips/${encodeURIComponent(id)}`,
    what: `Releasing floating IP ${id}`,
  });
  return { handle: { kind: 'done', resourceId: id }, resource: null };
}
