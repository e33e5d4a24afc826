import type { SimRequest, SimResponse } from '../common';
import { json, limitParam, neutronError, nextLink, page } from './http';
import { firstFree, parseCidr } from './ip';
import {
  OpenStackState,
  macAddress,
  uuid,
  type FloatingIp,
  type Network,
  type Port,
  type RequestContext,
  type Router,
  type SecurityGroup,
  type SecurityGroupRule,
  type Subnet,
} from './state';
import { isoNow } from './http';

/*
 * What Neutron's resources look like on the wire, who sees them, and the port/address logic
 * Nova shares (a server's ports are Neutron ports). Lists filter on any top-level attribute:
 * different keys AND, repeated keys OR; an unknown key is a 400 (filter-validation).
 */

export const NETWORK_BASE = '/network/v2.0';

export function networkView(state: OpenStackState, n: Network) {
  return {
    id: n.id,
    name: n.name,
    tenant_id: n.projectId,
    project_id: n.projectId,
    admin_state_up: n.adminStateUp,
    mtu: n.mtu,
    status: n.status,
    subnets: [...state.subnets.values()].filter((s) => s.networkId === n.id).map((s) => s.id),
    shared: n.shared,
    availability_zone_hints: n.azHints,
    availability_zones: ['nova'],
    ipv4_address_scope: null,
    ipv6_address_scope: null,
    'router:external': n.external,
    description: n.description,
    port_security_enabled: true,
    is_default: false,
    tags: [...n.tags],
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    revision_number: n.revision,
  };
}

export function subnetView(s: Subnet) {
  return {
    id: s.id,
    name: s.name,
    tenant_id: s.projectId,
    project_id: s.projectId,
    network_id: s.networkId,
    ip_version: s.ipVersion,
    subnetpool_id: null,
    enable_dhcp: s.enableDhcp,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    gateway_ip: s.gatewayIp,
    cidr: s.cidr,
    allocation_pools: s.allocationPools,
    host_routes: s.hostRoutes,
    dns_nameservers: s.dnsNameservers,
    description: s.description,
    service_types: [],
    tags: [],
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    revision_number: s.revision,
  };
}

export function portView(p: Port) {
  return {
    id: p.id,
    name: p.name,
    network_id: p.networkId,
    tenant_id: p.projectId,
    project_id: p.projectId,
    mac_address: p.macAddress,
    admin_state_up: p.adminStateUp,
    status: p.status,
    device_id: p.deviceId,
    device_owner: p.deviceOwner,
    fixed_ips: p.fixedIps.map((ip) => ({ ...ip })),
    allowed_address_pairs: [],
    extra_dhcp_opts: [],
    security_groups: [...p.securityGroups],
    description: p.description,
    'binding:vnic_type': 'normal',
    port_security_enabled: p.portSecurity,
    qos_policy_id: null,
    tags: [],
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    revision_number: p.revision,
  };
}

export function routerView(state: OpenStackState, r: Router) {
  const gwPort = r.gateway ? state.ports.get(r.gateway.portId) : undefined;
  return {
    id: r.id,
    name: r.name,
    tenant_id: r.projectId,
    project_id: r.projectId,
    admin_state_up: r.adminStateUp,
    status: r.status,
    external_gateway_info: r.gateway
      ? { network_id: r.gateway.networkId, enable_snat: r.gateway.enableSnat, external_fixed_ips: gwPort ? gwPort.fixedIps.map((ip) => ({ ...ip })) : [] }
      : null,
    description: r.description,
    availability_zones: ['nova'],
    availability_zone_hints: [],
    routes: [],
    distributed: false,
    ha: false,
    flavor_id: null,
    tags: [],
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    revision_number: r.revision,
  };
}

export function floatingIpView(state: OpenStackState, f: FloatingIp) {
  const port = f.portId ? state.ports.get(f.portId) : undefined;
  return {
    id: f.id,
    tenant_id: f.projectId,
    project_id: f.projectId,
    floating_ip_address: f.address,
    floating_network_id: f.floatingNetworkId,
    router_id: f.routerId,
    port_id: f.portId,
    fixed_ip_address: f.fixedIp,
    status: f.status,
    description: f.description,
    port_details: port
      ? {
          name: port.name,
          network_id: port.networkId,
          mac_address: port.macAddress,
          admin_state_up: port.adminStateUp,
          status: port.status,
          device_id: port.deviceId,
          device_owner: port.deviceOwner,
        }
      : null,
    dns_domain: '',
    dns_name: '',
    qos_policy_id: null,
    port_forwardings: [],
    tags: [],
    created_at: f.createdAt,
    updated_at: f.updatedAt,
    revision_number: f.revision,
  };
}

export function ruleView(state: OpenStackState, r: SecurityGroupRule) {
  const group = state.securityGroups.get(r.securityGroupId);
  return {
    id: r.id,
    tenant_id: r.projectId,
    project_id: r.projectId,
    security_group_id: r.securityGroupId,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    port_range_min: r.portRangeMin,
    port_range_max: r.portRangeMax,
    remote_ip_prefix: r.remoteIpPrefix,
    remote_group_id: r.remoteGroupId,
    remote_address_group_id: null,
    normalized_cidr: r.remoteIpPrefix ? parseCidr(r.remoteIpPrefix)?.text ?? r.remoteIpPrefix : null,
    description: r.description,
    belongs_to_default_sg: group?.name === 'default',
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    revision_number: r.revision,
  };
}

export function securityGroupView(state: OpenStackState, g: SecurityGroup) {
  return {
    id: g.id,
    name: g.name,
    tenant_id: g.projectId,
    project_id: g.projectId,
    description: g.description,
    stateful: g.stateful,
    shared: false,
    security_group_rules: [...state.securityGroupRules.values()].filter((r) => r.securityGroupId === g.id).map((r) => ruleView(state, r)),
    tags: [],
    created_at: g.createdAt,
    updated_at: g.updatedAt,
    revision_number: g.revision,
  };
}

export const owns = (ctx: RequestContext, projectId: string) => ctx.isAdmin || ctx.projectId === projectId;

export function networkVisible(ctx: RequestContext, n: Network): boolean {
  return owns(ctx, n.projectId) || n.shared || n.external;
}

export function subnetVisible(state: OpenStackState, ctx: RequestContext, s: Subnet): boolean {
  const network = state.networks.get(s.networkId);
  return owns(ctx, s.projectId) || (!!network && (network.shared || network.external));
}

const PAGING_KEYS = new Set(['limit', 'marker', 'page_reverse', 'fields', 'sort_key', 'sort_dir']);

/** What each collection may be filtered on: every top-level attribute of its view, read off blank resources once. */
const ATTRIBUTES: Record<string, Set<string>> = (() => {
  const blank = new OpenStackState({ timeScale: 0, tokenTtlSeconds: 0, maxLimit: 1, quotas: {} });
  const empty = { fixedIps: [], securityGroups: [], azHints: [], tags: [] } as never;
  const keys = (view: object) => new Set(Object.keys(view));
  return {
    networks: keys(networkView(blank, empty)),
    subnets: keys(subnetView(empty)),
    ports: keys(portView(empty)),
    routers: keys(routerView(blank, empty)),
    floatingips: keys(floatingIpView(blank, empty)),
    security_groups: keys(securityGroupView(blank, empty)),
    security_group_rules: keys(ruleView(blank, empty)),
  };
})();

/** The list answer: filters, `fields`, paging with `<plural>_links`. */
export function listResponse(state: OpenStackState, req: SimRequest, plural: string, views: Record<string, unknown>[]): SimResponse {
  const q = req.url.searchParams;
  const keys = [...new Set([...q.keys()])].filter((k) => !PAGING_KEYS.has(k));
  let items = views;
  const attributes = ATTRIBUTES[plural] ?? new Set(Object.keys(views[0] ?? {}));
  for (const key of keys) {
    const wanted = q.getAll(key);
    if (key === 'fixed_ips') {
      items = items.filter((v) => wanted.some((w) => matchesFixedIp(v.fixed_ips, w)));
      continue;
    }
    const tagFilter = TAG_FILTERS[key];
    if (tagFilter && attributes.has('tags')) {
      // Repeated keys and commas both add tags to the one filter.
      const tags = [...new Set(wanted.flatMap((w) => w.split(',')))];
      items = items.filter((v) => tagFilter(new Set(Array.isArray(v.tags) ? v.tags.map(String) : []), tags));
      continue;
    }
    if (!attributes.has(key)) {
      return neutronError(400, 'HTTPBadRequest', `[${key}] is invalid attribute for filtering`);
    }
    items = items.filter((v) => wanted.some((w) => matchesValue(v[key], w)));
  }
  const limit = limitParam(req.url, state.maxLimit, state.maxLimit);
  if (limit === null || limit < 0) return neutronError(400, 'BadRequest', "Bad limit request: Limit must be an integer 0 or greater and not '" + q.get('limit') + "'.");
  const effective = limit === 0 ? state.maxLimit : limit;
  const marker = q.get('marker');
  const p = page(items as (Record<string, unknown> & { id: string })[], effective, marker);
  const fields = q.getAll('fields');
  const shaped = fields.length ? p.items.map((v) => Object.fromEntries(fields.filter((f) => f in v).map((f) => [f, v[f]]))) : p.items;
  const body: Record<string, unknown> = { [plural]: shaped };
  const links: { rel: string; href: string }[] = [];
  if (p.more && p.last) links.push(nextLink(state.baseUrl, req.url, p.last, effective));
  if (marker && p.items.length) links.push({ rel: 'previous', href: `${state.baseUrl}${req.url.pathname}?limit=${effective}&marker=${p.items[0].id}&page_reverse=True` });
  if (links.length) body[`${plural}_links`] = links;
  return json(200, body);
}

/** standard-attr-tag filters: `tags` all of them, `tags-any` one of them, `not-` the negations. */
const TAG_FILTERS: Record<string, (have: Set<string>, tags: string[]) => boolean> = {
  tags: (have, tags) => tags.every((t) => have.has(t)),
  'tags-any': (have, tags) => tags.some((t) => have.has(t)),
  'not-tags': (have, tags) => !tags.every((t) => have.has(t)),
  'not-tags-any': (have, tags) => !tags.some((t) => have.has(t)),
};

function matchesValue(value: unknown, wanted: string): boolean {
  if (value === null || value === undefined) return wanted === '';
  if (typeof value === 'boolean') return wanted.toLowerCase() === String(value);
  if (Array.isArray(value)) return value.map(String).includes(wanted);
  return String(value) === wanted;
}

function matchesFixedIp(value: unknown, wanted: string): boolean {
  if (!Array.isArray(value)) return false;
  const [k, v] = wanted.split('=', 2);
  return value.some((ip: Record<string, unknown>) => (k === 'subnet_id' || k === 'ip_address') && ip[k] === v);
}

export function notFound(kind: string, id: string): SimResponse {
  const messages: Record<string, string> = {
    Network: `Network ${id} could not be found.`,
    Subnet: `Subnet ${id} could not be found.`,
    Port: `Port ${id} could not be found.`,
    Router: `Router ${id} could not be found.`,
    FloatingIP: `Floating IP ${id} could not be found`,
    SecurityGroup: `Security group ${id} does not exist`,
    SecurityGroupRule: `Security group rule ${id} does not exist`,
  };
  return neutronError(404, `${kind}NotFound`, messages[kind] ?? `${kind} ${id} could not be found.`);
}

export const policyDenied = (action: string) => neutronError(403, 'PolicyNotAuthorized', `(rule:${action}) is disallowed by policy`);
export const overQuota = (resource: string) => neutronError(409, 'OverQuota', `Quota exceeded for resources: ['${resource}'].`);

/** Creates the project's `default` group on first use, with the stock four rules. */
export function ensureDefaultSecurityGroup(state: OpenStackState, projectId: string): SecurityGroup {
  const existing = [...state.securityGroups.values()].find((g) => g.projectId === projectId && g.name === 'default');
  if (existing) return existing;
  const now = isoNow();
  const group: SecurityGroup = { id: uuid(), name: 'default', projectId, description: 'Default security group', stateful: true, revision: 1, createdAt: now, updatedAt: now };
  state.securityGroups.set(group.id, group);
  for (const ethertype of ['IPv4', 'IPv6'] as const) {
    addRule(state, group, { direction: 'egress', ethertype });
    addRule(state, group, { direction: 'ingress', ethertype, remoteGroupId: group.id });
  }
  return group;
}

export function addRule(
  state: OpenStackState,
  group: SecurityGroup,
  spec: Partial<Pick<SecurityGroupRule, 'protocol' | 'portRangeMin' | 'portRangeMax' | 'remoteIpPrefix' | 'remoteGroupId' | 'description'>> &
    Pick<SecurityGroupRule, 'direction' | 'ethertype'>,
): SecurityGroupRule {
  const now = isoNow();
  const rule: SecurityGroupRule = {
    id: uuid(),
    securityGroupId: group.id,
    projectId: group.projectId,
    direction: spec.direction,
    ethertype: spec.ethertype,
    protocol: spec.protocol ?? null,
    portRangeMin: spec.portRangeMin ?? null,
    portRangeMax: spec.portRangeMax ?? null,
    remoteIpPrefix: spec.remoteIpPrefix ?? null,
    remoteGroupId: spec.remoteGroupId ?? null,
    description: spec.description ?? '',
    revision: 0,
    createdAt: now,
    updatedAt: now,
  };
  state.securityGroupRules.set(rule.id, rule);
  return rule;
}

export function usedIps(state: OpenStackState, subnetId: string): Set<string> {
  const used = new Set<string>();
  for (const port of state.ports.values()) for (const ip of port.fixedIps) if (ip.subnet_id === subnetId) used.add(ip.ip_address);
  return used;
}

export function allocateIp(state: OpenStackState, subnet: Subnet): string | null {
  return firstFree(subnet.allocationPools, usedIps(state, subnet.id), subnet.ipVersion);
}

/** A port on `network` with one address from its first subnet (or the subnet asked for). */
export function createPort(
  state: OpenStackState,
  spec: {
    network: Network;
    projectId: string;
    subnetId?: string;
    ipAddress?: string;
    deviceId?: string;
    deviceOwner?: string;
    securityGroups?: string[];
    name?: string;
    status?: string;
  },
): Port | { error: SimResponse } {
  const subnets = [...state.subnets.values()].filter((s) => s.networkId === spec.network.id);
  const fixedIps: Port['fixedIps'] = [];
  const subnet = spec.subnetId ? subnets.find((s) => s.id === spec.subnetId) : subnets.find((s) => s.ipVersion === 4) ?? subnets[0];
  if (spec.subnetId && !subnet) return { error: notFound('Subnet', spec.subnetId) };
  if (subnet) {
    let ip = spec.ipAddress ?? null;
    if (ip && usedIps(state, subnet.id).has(ip)) {
      return { error: neutronError(409, 'IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnet.id}`) };
    }
    ip ??= allocateIp(state, subnet);
    if (!ip) return { error: neutronError(409, 'IpAddressGenerationFailure', `No more IP addresses available on network ${spec.network.id}.`) };
    fixedIps.push({ subnet_id: subnet.id, ip_address: ip });
  }
  const now = isoNow();
  const owner = spec.deviceOwner ?? '';
  const port: Port = {
    id: uuid(),
    name: spec.name ?? '',
    projectId: spec.projectId,
    networkId: spec.network.id,
    macAddress: macAddress(),
    fixedIps,
    deviceId: spec.deviceId ?? '',
    deviceOwner: owner,
    status: spec.status ?? (owner ? 'ACTIVE' : 'DOWN'),
    securityGroups: owner.startsWith('network:') ? [] : spec.securityGroups ?? [ensureDefaultSecurityGroup(state, spec.projectId).id],
    adminStateUp: true,
    portSecurity: !owner.startsWith('network:'),
    description: '',
    revision: 1,
    createdAt: now,
    updatedAt: now,
  };
  state.ports.set(port.id, port);
  return port;
}

/** Deleting a port disassociates its floating IPs, as Neutron does. */
export function deletePort(state: OpenStackState, port: Port): void {
  for (const fip of state.floatingIps.values()) {
    if (fip.portId === port.id) {
      fip.portId = null;
      fip.fixedIp = null;
      fip.routerId = null;
      fip.status = 'DOWN';
      fip.revision++;
    }
  }
  state.ports.delete(port.id);
}

export const isRouterInterface = (owner: string) =>
  owner === 'network:router_interface' || owner === 'network:router_interface_distributed' || owner === 'network:ha_router_replicated_interface';
