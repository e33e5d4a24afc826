import ipaddr from 'ipaddr.js';
import type { ChildFilter, IpAvailability, ListFilter, Network, NetworkSpec, NetworkStatus, Operation, Subnet, SubnetSpec } from '../driver';
import { CloudError } from '../driver';
import { badInput, conflict, IDS_PER_REQUEST, nullIfEmpty, query, readOnce, step, type Ctx } from './context';

/*
 * Neutron networks ("VPCs"), subnets, the router that joins them to the external network, and
 * the ports that tie instances, routers and DHCP to a network. Lists batch with repeated-key
 * filters (`?id=a&id=b` is an OR) up to 100 values, beyond which (a URL's worth) the project's
 * whole collection is listed once and filtered here.
 */

export interface WireNetwork {
  id: string;
  name: string;
  description?: string;
  status: string;
  subnets: string[];
  project_id?: string;
  availability_zones?: string[];
  'router:external'?: boolean;
  /** standard-attr-tag; every network body carries them. */
  tags?: string[];
}

export interface WireSubnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
  allocation_pools: { start: string; end: string }[];
}

export interface WirePort {
  id: string;
  network_id: string;
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  device_id: string;
  device_owner: string;
  security_groups: string[];
  status: string;
}

export const ROUTER_INTERFACE_OWNERS = ['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface'];
export const isRouterInterface = (owner: string) => ROUTER_INTERFACE_OWNERS.includes(owner);
export const isComputePort = (owner: string) => owner.startsWith('compute:');

/** One list of a Neutron collection, every page, batched over `key` when values are given. */
export async function neutronList<T>(
  ctx: Ctx,
  plural: string,
  operation: string,
  filters: Record<string, string | readonly string[] | undefined>,
  batch?: { key: string; values: readonly string[] | undefined },
): Promise<T[]> {
  const path = `/${plural.replace(/_/g, '-')}`;
  const what = `Listing ${plural.replace(/_/g, ' ')}`;
  const wanted = { ...filters, ...(batch && batch.values !== undefined ? { [batch.key]: batch.values } : {}) };
  if (ctx.reads && SNAPSHOT_COLLECTIONS.has(plural) && Object.keys(wanted).every((key) => LOCAL_FILTERS.has(key))) {
    const all = await readOnce<T>(ctx, plural, () => ctx.session.collect<T>('network', { operation, method: 'GET', path, query: new URLSearchParams(), what }, plural));
    const sets = valueSets(wanted);
    return all.filter((item) => matches(item as Record<string, unknown>, sets));
  }
  if (!batch || batch.values === undefined) {
    return ctx.session.collect<T>('network', { operation, method: 'GET', path, query: query(filters), what }, plural);
  }
  const unique = [...new Set(batch.values)];
  if (unique.length > IDS_PER_REQUEST) {
    // More values than one URL holds: list what the project sees once and filter here, so the
    // number of calls never grows with the number of values.
    const wanted = new Set(unique);
    const all = await ctx.session.collect<T>('network', { operation, method: 'GET', path, query: query(filters), what }, plural);
    return all.filter((item) => wanted.has(String((item as Record<string, unknown>)[batch.key])));
  }
  return ctx.session.collect<T>('network', { operation, method: 'GET', path, query: query({ ...filters, [batch.key]: unique }), what }, plural);
}

/**
 * What a request's snapshot reads whole (one call each, then filtered here), and the filters it
 * can apply itself: Neutron's equality filters, a list meaning any of its values. A list with
 * any other filter (tags, fixed IPs…) still asks the cloud.
 */
const SNAPSHOT_COLLECTIONS = new Set(['networks', 'subnets', 'ports']);
const LOCAL_FILTERS = new Set(['id', 'network_id', 'device_id', 'device_owner', 'project_id', 'router:external']);

/** Whether an item meets every filter; a list of values is a set of them (see valueSets), so a long list costs no more per item. */
function matches(item: Record<string, unknown>, filters: Record<string, string | ReadonlySet<string> | undefined>): boolean {
  for (const key in filters) {
    const value = filters[key];
    if (value === undefined) continue;
    const actual = String(item[key]);
    if (typeof value === 'string' ? actual !== value : !value.has(actual)) return false;
  }
  return true;
}

/** The filters with each list of values as a set. */
function valueSets(filters: Record<string, string | readonly string[] | undefined>): Record<string, string | ReadonlySet<string> | undefined> {
  const sets: Record<string, string | ReadonlySet<string> | undefined> = {};
  for (const [key, value] of Object.entries(filters)) sets[key] = value === undefined || typeof value === 'string' ? value : new Set(value);
  return sets;
}

/** Starts the snapshot's reads of these collections now, so that they run beside the call that will need them. */
export function prefetch(ctx: Ctx, plurals: ('subnets' | 'ports')[]): void {
  if (!ctx.reads) return;
  for (const plural of plurals) void neutronList(ctx, plural, `neutron.${plural}.list`, {}).catch(() => undefined);
}

export async function projectId(ctx: Ctx): Promise<string> {
  return ctx.session.projectId();
}

const NETWORK_STATUSES: NetworkStatus[] = ['ACTIVE', 'BUILD', 'DOWN', 'ERROR'];

/*
 * Neutron networks have no address range of their own, and the router made with a network is
 * tied to it only by interfaces, which go with their subnets. Both are kept as tags on the
 * network (`cidr=10.0.0.0/16`, `router=<id>`): network bodies carry their tags, so reading them
 * costs nothing. Neutron allows 255 characters a tag, far more than either needs; the list
 * filters split tags on commas, and neither value holds one.
 */
const RANGE_TAG = 'cidr=';
const ROUTER_TAG = 'router=';

function tagged(n: WireNetwork, prefix: string): string | null {
  return n.tags?.find((t) => t.startsWith(prefix))?.slice(prefix.length) || null;
}

/** The range createNetwork was given, or null for a network made elsewhere (or a tag someone spoiled). */
export function rangeOf(n: WireNetwork): string | null {
  const range = tagged(n, RANGE_TAG);
  return range && ipaddr.isValidCIDR(range) ? range : null;
}

/** The router createNetwork made for the network, whether or not it still has an interface on it. */
export function routerTagOf(n: WireNetwork): string | null {
  return tagged(n, ROUTER_TAG);
}

function toNetwork(n: WireNetwork, subnets: Map<string, WireSubnet>, routers: Map<string, string>): Network {
  const first = n.subnets.map((id) => subnets.get(id)).find((s) => !!s);
  return {
    id: n.id,
    name: n.name,
    description: nullIfEmpty(n.description),
    cidr: rangeOf(n) ?? first?.cidr ?? null,
    status: NETWORK_STATUSES.includes(n.status as NetworkStatus) ? (n.status as NetworkStatus) : 'ERROR',
    zoneId: n.availability_zones?.[0] ?? null,
    subnetIds: [...n.subnets],
    routerId: routerTagOf(n) ?? routers.get(n.id) ?? null,
  };
}

export function toSubnet(s: WireSubnet): Subnet {
  return {
    id: s.id,
    networkId: s.network_id,
    name: s.name,
    cidr: s.cidr,
    gatewayIp: s.gateway_ip,
    enableDhcp: s.enable_dhcp,
    dnsNameservers: [...s.dns_nameservers],
  };
}

/** Subnets (for the CIDR of untagged networks) and router interface ports (for their router) of these networks: 2 calls. */
async function enrich(ctx: Ctx, networks: WireNetwork[]): Promise<Network[]> {
  if (!networks.length) return [];
  const ids = networks.map((n) => n.id);
  const [subnets, ports] = await Promise.all([
    neutronList<WireSubnet>(ctx, 'subnets', 'neutron.subnets.list', {}, { key: 'network_id', values: ids }),
    neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', { device_owner: ROUTER_INTERFACE_OWNERS }, { key: 'network_id', values: ids }),
  ]);
  const byId = new Map(subnets.map((s) => [s.id, s]));
  const routers = new Map<string, string>();
  for (const p of ports) if (!routers.has(p.network_id)) routers.set(p.network_id, p.device_id);
  return networks.map((n) => toNetwork(n, byId, routers));
}

export async function listNetworks(ctx: Ctx, filter: ListFilter = {}): Promise<Network[]> {
  if (filter.ids && !filter.ids.length) return [];
  prefetch(ctx, ['subnets', 'ports']);
  const project = await projectId(ctx);
  const networks = await neutronList<WireNetwork>(ctx, 'networks', 'neutron.networks.list', { project_id: project }, { key: 'id', values: filter.ids });
  return enrich(ctx, networks);
}

async function showNetwork(ctx: Ctx, id: string, what: string): Promise<WireNetwork> {
  const { body } = await ctx.session.call<{ network: WireNetwork }>('network', {
    operation: 'neutron.networks.show',
    method: 'GET',
    path: `/networks/${encodeURIComponent(id)}`,
    what,
  });
  return body.network;
}

/** The network routers use as gateway: by id or name from the endpoint, looked up once per datacenter. */
export function externalNetworkId(ctx: Ctx): Promise<string> {
  ctx.shared.externalNetworkId ??= (async () => {
    const wanted = ctx.endpoint.externalNetwork ?? null;
    const external = await neutronList<WireNetwork>(ctx, 'networks', 'neutron.networks.list', { 'router:external': 'true' });
    const found = wanted ? external.find((n) => n.id === wanted) ?? external.find((n) => n.name === wanted) : external.length === 1 ? external[0] : undefined;
    if (!found) {
      throw new CloudError(
        'UPSTREAM_ERROR',
        wanted
          ? `Datacenter ${ctx.endpoint.name} has no external network named or numbered "${wanted}".`
          : `Datacenter ${ctx.endpoint.name} has ${external.length} external networks; set the datacenter's external network.`,
        { message: 'external network not found' },
        ctx.endpoint.name,
      );
    }
    return found.id;
  })().catch((err: unknown) => {
    ctx.shared.externalNetworkId = undefined;
    throw err;
  });
  return ctx.shared.externalNetworkId;
}

/** Checks what Neutron would refuse late (or accept wrongly): a subnet outside its network's range, a gateway outside its subnet. */
export function validateSubnet(ctx: Ctx, spec: SubnetSpec, field: string, within?: string | null): void {
  if (!ipaddr.isValidCIDR(spec.cidr)) throw badInput(ctx, `${field}.cidr: "${spec.cidr}" is not a CIDR.`);
  const [addr, bits] = ipaddr.parseCIDR(spec.cidr);
  if (within) {
    if (!ipaddr.isValidCIDR(within)) throw badInput(ctx, `cidr: "${within}" is not a CIDR.`);
    const [outer, outerBits] = ipaddr.parseCIDR(within);
    // The range is of one family; a subnet of the other family (dual stack) is not held to it.
    if (outer.kind() === addr.kind() && (bits < outerBits || !addr.match(outer, outerBits))) {
      throw badInput(ctx, `${field}.cidr: ${spec.cidr} is not inside the network's range ${within}.`);
    }
  }
  if (spec.gatewayIp) {
    if (!ipaddr.isValid(spec.gatewayIp)) throw badInput(ctx, `${field}.gatewayIp: "${spec.gatewayIp}" is not an IP address.`);
    const gw = ipaddr.parse(spec.gatewayIp);
    if (gw.kind() !== addr.kind() || !gw.match(addr, bits)) throw badInput(ctx, `${field}.gatewayIp: ${spec.gatewayIp} is not inside ${spec.cidr}.`);
  }
}

function subnetBody(networkId: string, spec: SubnetSpec) {
  const version = ipaddr.parseCIDR(spec.cidr)[0].kind() === 'ipv4' ? 4 : 6;
  const body: Record<string, unknown> = {
    network_id: networkId,
    name: spec.name,
    cidr: spec.cidr,
    ip_version: version,
    enable_dhcp: spec.enableDhcp ?? true,
  };
  if (spec.gatewayIp !== undefined) body.gateway_ip = spec.gatewayIp;
  if (spec.dnsNameservers?.length) body.dns_nameservers = spec.dnsNameservers;
  return body;
}

/**
 * Network, first subnet, router with its gateway on the external network, the range and router
 * tags, interface on the subnet: 5 calls (+1 the first time the external network is looked
 * up). A failure undoes what was made, best effort, and reports the step.
 */
export async function createNetwork(ctx: Ctx, spec: NetworkSpec): Promise<Operation<Network>> {
  validateSubnet(ctx, spec.subnet, 'subnet', spec.cidr);
  const what = `Creating network "${spec.name}"`;
  const external = await step(ctx, what, 'find the external network', () => externalNetworkId(ctx));
  const undo: (() => Promise<unknown>)[] = [];
  try {
    const network = await step(ctx, what, 'create network', async () => {
      const body: Record<string, unknown> = { name: spec.name, admin_state_up: true };
      if (spec.description) body.description = spec.description;
      const res = await ctx.session.call<{ network: WireNetwork }>('network', { operation: 'neutron.networks.create', method: 'POST', path: '/networks', body: { network: body }, what });
      return res.body.network;
    });
    undo.push(() => del(ctx, `/networks/${network.id}`, 'neutron.networks.delete'));
    const subnet = await step(ctx, what, 'create subnet', async () => {
      const res = await ctx.session.call<{ subnet: WireSubnet }>('network', {
        operation: 'neutron.subnets.create',
        method: 'POST',
        path: '/subnets',
        body: { subnet: subnetBody(network.id, spec.subnet) },
        what,
      });
      return res.body.subnet;
    });
    undo.push(() => del(ctx, `/subnets/${subnet.id}`, 'neutron.subnets.delete'));
    const router = await step(ctx, what, 'create router with gateway', async () => {
      // A 404 here may be a stale external network id: look it up afresh next time.
      const forget = (err: unknown) => {
        if (err instanceof CloudError && err.code === 'NOT_FOUND') ctx.shared.externalNetworkId = undefined;
        throw err;
      };
      const res = await ctx.session.call<{ router: { id: string } }>('network', {
        operation: 'neutron.routers.create',
        method: 'POST',
        path: '/routers',
        body: { router: { name: `${spec.name}-router`, admin_state_up: true, external_gateway_info: { network_id: external } } },
        what,
      }).catch(forget);
      return res.body.router;
    });
    undo.push(() => del(ctx, `/routers/${router.id}`, 'neutron.routers.delete'));
    // Before the interface: a failure here leaves nothing the undo cannot delete.
    const tags = await step(ctx, what, 'tag network with its range and router', async () => {
      const res = await ctx.session.call<{ tags: string[] }>('network', {
        operation: 'neutron.networks.tags.replace',
        method: 'PUT',
        path: `/networks/${network.id}/tags`,
        body: { tags: [`${RANGE_TAG}${spec.cidr}`, `${ROUTER_TAG}${router.id}`] },
        what,
      });
      return res.body.tags;
    });
    await step(ctx, what, 'add router interface', () =>
      ctx.session.call('network', {
        operation: 'neutron.routers.add_interface',
        method: 'PUT',
        path: `/routers/${router.id}/add_router_interface`,
        // A resend would be refused ("Router already has a port on subnet"): never resend.
        idempotent: false,
        body: { subnet_id: subnet.id },
        what,
      }),
    );
    const resource = toNetwork({ ...network, subnets: [subnet.id], tags }, new Map([[subnet.id, subnet]]), new Map([[network.id, router.id]]));
    return { handle: { kind: 'done', resourceId: network.id }, resource };
  } catch (err) {
    for (const run of undo.reverse()) {
      await run().catch((cleanup: unknown) =>
        ctx.log.warn({ datacenter: ctx.endpoint.name, err: cleanup instanceof CloudError ? cleanup.toInfo() : String(cleanup) }, 'undoing a failed network create left something behind'),
      );
    }
    throw err;
  }
}

async function del(ctx: Ctx, path: string, operation: string): Promise<void> {
  await ctx.session.call('network', { operation, method: 'DELETE', path, accept: [404], what: `Deleting ${path}` });
}

/** PUT + 2 calls to rebuild the unified network. */
export async function updateNetwork(ctx: Ctx, id: string, changes: { name?: string; description?: string | null }): Promise<Network> {
  const body: Record<string, unknown> = {};
  if (changes.name !== undefined) body.name = changes.name;
  if (changes.description !== undefined) body.description = changes.description ?? '';
  const { body: res } = await ctx.session.call<{ network: WireNetwork }>('network', {
    operation: 'neutron.networks.update',
    method: 'PUT',
    path: `/networks/${encodeURIComponent(id)}`,
    body: { network: body },
    what: `Updating network ${id}`,
  });
  return (await enrich(ctx, [res.network]))[0];
}

/**
 * The cleanup order Neutron needs: router interfaces, router gateway, router, remaining ports,
 * subnets, network. Instances still on the network stop it first (deleting their ports would
 * cut them off silently). Calls: 2 + per router (1 per interface + 3) + 1 per other port +
 * 1 per subnet + 1.
 */
export async function deleteNetwork(ctx: Ctx, id: string): Promise<Operation<null>> {
  const what = `Deleting network ${id}`;
  const network = await showNetwork(ctx, id, what);
  const ports = await step(ctx, what, 'list ports', () => neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', { network_id: id }));
  const instances = [...new Set(ports.filter((p) => isComputePort(p.device_owner)).map((p) => p.device_id))];
  if (instances.length) throw conflict(ctx, `${what}: instances are still attached to it (${instances.join(', ')}); terminate them or move them first.`);

  const interfaces = ports.filter((p) => isRouterInterface(p.device_owner));
  // The network's own router goes too when its last subnet went before and took the interfaces along.
  const own = routerTagOf(network);
  const routers = [...new Set([...interfaces.map((p) => p.device_id), ...(own ? [own] : [])])];
  for (const port of interfaces) {
    await step(ctx, what, `remove interface ${port.id} from router ${port.device_id}`, () =>
      ctx.session.call('network', {
        operation: 'neutron.routers.remove_interface',
        method: 'PUT',
        path: `/routers/${port.device_id}/remove_router_interface`,
        body: { port_id: port.id },
        accept: [404],
        what,
      }),
    );
  }
  for (const router of routers) {
    // A router that still joins other networks is shared: leave it.
    const remaining = await step(ctx, what, `list ports of router ${router}`, () =>
      neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', { device_id: router, device_owner: ROUTER_INTERFACE_OWNERS }),
    );
    if (remaining.length) continue;
    await step(ctx, what, `clear gateway of router ${router}`, () =>
      ctx.session.call('network', {
        operation: 'neutron.routers.update',
        method: 'PUT',
        path: `/routers/${router}`,
        body: { router: { external_gateway_info: {} } },
        accept: [404],
        what,
      }),
    );
    await step(ctx, what, `delete router ${router}`, () => del(ctx, `/routers/${router}`, 'neutron.routers.delete'));
  }
  const others = ports.filter((p) => !isRouterInterface(p.device_owner) && p.device_owner !== 'network:dhcp' && p.device_owner !== 'network:router_gateway');
  for (const port of others) await step(ctx, what, `delete port ${port.id}`, () => del(ctx, `/ports/${port.id}`, 'neutron.ports.delete'));
  for (const subnet of network.subnets) await step(ctx, what, `delete subnet ${subnet}`, () => del(ctx, `/subnets/${subnet}`, 'neutron.subnets.delete'));
  await step(ctx, what, 'delete network', () => del(ctx, `/networks/${id}`, 'neutron.networks.delete'));
  return { handle: { kind: 'done', resourceId: id }, resource: null };
}

/** 1 call per 100 ids or parent ids (+ pages). */
export async function listSubnets(ctx: Ctx, filter: ChildFilter = {}): Promise<Subnet[]> {
  if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
  const project = await projectId(ctx);
  let subnets: WireSubnet[];
  if (filter.ids) {
    subnets = await neutronList<WireSubnet>(ctx, 'subnets', 'neutron.subnets.list', { project_id: project }, { key: 'id', values: filter.ids });
    const parents = filter.parentIds && new Set(filter.parentIds);
    if (parents) subnets = subnets.filter((s) => parents.has(s.network_id));
  } else {
    subnets = await neutronList<WireSubnet>(ctx, 'subnets', 'neutron.subnets.list', { project_id: project }, { key: 'network_id', values: filter.parentIds });
  }
  return subnets.map(toSubnet);
}

/** Interface ports of the routers on a network: the network's own router, if it has one. */
async function routerOf(ctx: Ctx, networkId: string): Promise<string | null> {
  const ports = await neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', { network_id: networkId, device_owner: ROUTER_INTERFACE_OWNERS });
  return ports[0]?.device_id ?? null;
}

/**
 * A further subnet must lie in the network's range and joins the network's router too, so its
 * instances reach the outside and can hold floating IPs: 3 calls (the network for its range and
 * router, create, add interface); +1 to find the router by its interfaces on a network without
 * the router tag; 2 for a subnet without a gateway. A network made elsewhere has no range: only
 * Neutron's own checks (overlap) apply.
 */
export async function createSubnet(ctx: Ctx, networkId: string, spec: SubnetSpec): Promise<Subnet> {
  validateSubnet(ctx, spec, 'subnet');
  const what = `Creating subnet "${spec.name}" on network ${networkId}`;
  const network = await showNetwork(ctx, networkId, what);
  validateSubnet(ctx, spec, 'subnet', rangeOf(network));
  const { body } = await ctx.session.call<{ subnet: WireSubnet }>('network', {
    operation: 'neutron.subnets.create',
    method: 'POST',
    path: '/subnets',
    body: { subnet: subnetBody(networkId, spec) },
    what,
  });
  const subnet = body.subnet;
  if (subnet.gateway_ip) {
    const router = routerTagOf(network) ?? (await step(ctx, what, 'find the network router', () => routerOf(ctx, networkId)));
    if (router) {
      await step(ctx, what, `add interface to router ${router}`, () =>
        ctx.session.call('network', {
          operation: 'neutron.routers.add_interface',
          method: 'PUT',
          path: `/routers/${router}/add_router_interface`,
          // A resend would be refused ("Router already has a port on subnet"): never resend.
          idempotent: false,
          body: { subnet_id: subnet.id },
          what,
        }),
      );
    }
  }
  return toSubnet(subnet);
}

export async function updateSubnet(ctx: Ctx, id: string, changes: { name: string }): Promise<Subnet> {
  const { body } = await ctx.session.call<{ subnet: WireSubnet }>('network', {
    operation: 'neutron.subnets.update',
    method: 'PUT',
    path: `/subnets/${encodeURIComponent(id)}`,
    body: { subnet: { name: changes.name } },
    what: `Renaming subnet ${id}`,
  });
  return toSubnet(body.subnet);
}

/** Router interface first (a subnet with one cannot go): 2 calls + 1 per interface + 1. */
export async function deleteSubnet(ctx: Ctx, id: string): Promise<Operation<null>> {
  const what = `Deleting subnet ${id}`;
  const { body } = await ctx.session.call<{ subnet: WireSubnet }>('network', { operation: 'neutron.subnets.show', method: 'GET', path: `/subnets/${encodeURIComponent(id)}`, what });
  const ports = await step(ctx, what, 'list router interfaces', () =>
    neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', { network_id: body.subnet.network_id, device_owner: ROUTER_INTERFACE_OWNERS }),
  );
  for (const port of ports.filter((p) => p.fixed_ips.some((ip) => ip.subnet_id === id))) {
    await step(ctx, what, `remove interface from router ${port.device_id}`, () =>
      ctx.session.call('network', {
        operation: 'neutron.routers.remove_interface',
        method: 'PUT',
        path: `/routers/${port.device_id}/remove_router_interface`,
        body: { subnet_id: id },
        accept: [404],
        what,
      }),
    );
  }
  await step(ctx, what, 'delete subnet', () => del(ctx, `/subnets/${id}`, 'neutron.subnets.delete'));
  return { handle: { kind: 'done', resourceId: id }, resource: null };
}

/**
 * Network IP availability is admin-only in stock policy (a tenant gets 404), so it is computed
 * the way Neutron computes it: total = allocation pool sizes, used = fixed IPs allocated in the
 * subnet. 3 calls (networks, subnets, ports) for any number of networks.
 */
export async function ipAvailability(ctx: Ctx, networkIds: readonly string[]): Promise<IpAvailability[]> {
  if (!networkIds.length) return [];
  const [networks, subnets, ports] = await Promise.all([
    neutronList<WireNetwork>(ctx, 'networks', 'neutron.networks.list', {}, { key: 'id', values: networkIds }),
    neutronList<WireSubnet>(ctx, 'subnets', 'neutron.subnets.list', {}, { key: 'network_id', values: networkIds }),
    neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', {}, { key: 'network_id', values: networkIds }),
  ]);
  const used = new Map<string, number>();
  for (const port of ports) for (const ip of port.fixed_ips) used.set(ip.subnet_id, (used.get(ip.subnet_id) ?? 0) + 1);
  return networks.map((n) => {
    const mine = subnets.filter((s) => s.network_id === n.id);
    const per = mine.map((s) => ({ subnetId: s.id, cidr: s.cidr, total: poolSize(s.allocation_pools), used: used.get(s.id) ?? 0 }));
    return {
      networkId: n.id,
      total: Math.min(Number.MAX_SAFE_INTEGER, per.reduce((acc, s) => acc + s.total, 0)),
      used: per.reduce((acc, s) => acc + s.used, 0),
      subnets: per,
    };
  });
}

/** Sizes past 2^53 (IPv6) are clamped: the unified model counts in JS numbers. */
function poolSize(pools: { start: string; end: string }[]): number {
  let total = 0n;
  for (const pool of pools) {
    if (!ipaddr.isValid(pool.start) || !ipaddr.isValid(pool.end)) continue;
    const start = toBig(ipaddr.parse(pool.start).toByteArray());
    const end = toBig(ipaddr.parse(pool.end).toByteArray());
    if (end >= start) total += end - start + 1n;
  }
  return total > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(total);
}

function toBig(bytes: number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** The ports of these devices (servers), every page: 1 call per 100 devices. */
export function portsOfDevices(ctx: Ctx, deviceIds: readonly string[]): Promise<WirePort[]> {
  if (!deviceIds.length) return Promise.resolve([]);
  return neutronList<WirePort>(ctx, 'ports', 'neutron.ports.list', {}, { key: 'device_id', values: deviceIds });
}
