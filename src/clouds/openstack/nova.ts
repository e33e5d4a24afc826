import type {
  ChildFilter,
  Flavor,
  FlavorSpec,
  Instance,
  InstanceAction,
  InstanceAddress,
  InstanceSpec,
  InstanceStatus,
  KeyPair,
  ListFilter,
  Operation,
  OperationHandle,
  Zone,
} from '../driver';
import { CloudError } from '../driver';
import { badInput, query, readOnce, type Ctx, type WireFlavor } from './context';
import { portsOfDevices, prefetch, type WirePort } from './neutron';
import { generateSshKeyPair } from './sshkeys';

/*
 * Nova at microversion 2.92: servers (their flavor comes embedded, so its id is found again by
 * name in the flavor list), actions, key pairs (imported: this version no longer generates
 * keys), flavors and zones. A server's addresses are keyed by network NAME in Nova; ids, subnets
 * and security group ids come from its Neutron ports, fetched in one batched call.
 */

export interface WireServer {
  id: string;
  name: string;
  status: string;
  created?: string;
  progress?: number;
  image: { id: string } | '' | null;
  flavor: { original_name?: string; vcpus?: number; ram?: number; id?: string };
  key_name: string | null;
  metadata?: Record<string, string>;
  addresses?: Record<string, { addr: string; version: number; 'OS-EXT-IPS:type'?: string; 'OS-EXT-IPS-MAC:mac_addr'?: string }[]>;
  'OS-EXT-AZ:availability_zone'?: string;
  'os-extended-volumes:volumes_attached'?: { id: string }[];
  fault?: { code?: number; message?: string };
}

interface WireKeyPair {
  name: string;
  fingerprint: string;
  public_key: string;
}

/** The metadata key that carries ecsgraph's operation id (Nova has no idempotency token). */
export const OPERATION_KEY = 'ecsgraph_operation';
const FLAVOR_TTL_MS = 60_000;

const STATUS: Record<string, InstanceStatus> = {
  BUILD: 'BUILDING',
  ACTIVE: 'RUNNING',
  MIGRATING: 'RUNNING',
  PASSWORD: 'RUNNING',
  SHUTOFF: 'STOPPED',
  PAUSED: 'STOPPED',
  SUSPENDED: 'STOPPED',
  SHELVED: 'STOPPED',
  SHELVED_OFFLOADED: 'STOPPED',
  REBOOT: 'REBOOTING',
  HARD_REBOOT: 'REBOOTING',
  REBUILD: 'REBUILDING',
  RESIZE: 'RESIZING',
  VERIFY_RESIZE: 'RESIZING',
  REVERT_RESIZE: 'RESIZING',
  ERROR: 'ERROR',
  DELETED: 'DELETED',
  SOFT_DELETED: 'DELETED',
};

export const instanceStatus = (status: string): InstanceStatus => STATUS[status] ?? 'UNKNOWN';

export function toFlavor(f: WireFlavor): Flavor {
  return { id: f.id, name: f.name, cpu: f.vcpus, memoryMb: f.ram, diskGb: f.disk };
}

/** Every flavor the project sees, cached a minute per project: servers only name theirs. */
export async function projectFlavors(ctx: Ctx, fresh = false): Promise<WireFlavor[]> {
  const project = await ctx.session.projectId();
  const cached = ctx.shared.flavors.get(project);
  if (!fresh && cached && Date.now() - cached.at < FLAVOR_TTL_MS) return cached.flavors;
  const flavors = ctx.session.collect<WireFlavor>('compute', { operation: 'nova.flavors.detail', method: 'GET', path: '/flavors/detail', what: 'Listing flavors' }, 'flavors');
  ctx.shared.flavors.set(project, { at: Date.now(), flavors });
  flavors.catch(() => ctx.shared.flavors.delete(project));
  return flavors;
}

/** 1 call (+ pages), filtered locally: Nova has no id filter for flavors. */
export async function listFlavors(ctx: Ctx, filter: ListFilter = {}): Promise<Flavor[]> {
  if (filter.ids && !filter.ids.length) return [];
  const flavors = await projectFlavors(ctx, true);
  const ids = filter.ids && new Set(filter.ids);
  return flavors.filter((f) => !ids || ids.has(f.id)).map(toFlavor);
}

export async function createFlavor(ctx: Ctx, spec: FlavorSpec): Promise<Flavor> {
  const { body } = await ctx.session.call<{ flavor: WireFlavor }>('compute', {
    operation: 'nova.flavors.create',
    method: 'POST',
    path: '/flavors',
    body: { flavor: { name: spec.name, vcpus: spec.cpu, ram: spec.memoryMb, disk: spec.diskGb, 'os-flavor-access:is_public': true } },
    what: `Creating flavor "${spec.name}"`,
  });
  return toFlavor(body.flavor);
}

/** 1 call. Nova zones have no id of their own: the name is the id. */
export async function listZones(ctx: Ctx): Promise<Zone[]> {
  const { body } = await ctx.session.call<{ availabilityZoneInfo: { zoneName: string; zoneState?: { available?: boolean } }[] }>('compute', {
    operation: 'nova.availability_zones.list',
    method: 'GET',
    path: '/os-availability-zone',
    what: 'Listing availability zones',
  });
  return (body.availabilityZoneInfo ?? []).map((z) => ({ id: z.zoneName, name: z.zoneName, available: z.zoneState?.available ?? false }));
}

/** `mine`: the server's own ports. */
function toInstance(s: WireServer, mine: WirePort[], flavors: WireFlavor[]): Instance {
  const byMac = new Map(mine.map((p) => [p.mac_address, p]));
  const addresses: InstanceAddress[] = [];
  for (const port of mine) {
    for (const ip of port.fixed_ips) addresses.push({ networkId: port.network_id, subnetId: ip.subnet_id, ip: ip.ip_address, mac: port.mac_address, floating: false });
  }
  for (const entries of Object.values(s.addresses ?? {})) {
    for (const entry of entries) {
      if (entry['OS-EXT-IPS:type'] !== 'floating') continue;
      const port = byMac.get(entry['OS-EXT-IPS-MAC:mac_addr'] ?? '');
      if (port) addresses.push({ networkId: port.network_id, subnetId: null, ip: entry.addr, mac: port.mac_address, floating: true });
    }
  }
  const flavor = s.flavor.id ? flavors.find((f) => f.id === s.flavor.id) : flavors.find((f) => f.name === s.flavor.original_name);
  return {
    id: s.id,
    name: s.name,
    status: instanceStatus(s.status),
    cloudStatus: s.status,
    cpu: s.flavor.vcpus ?? flavor?.vcpus ?? 0,
    memoryMb: s.flavor.ram ?? flavor?.ram ?? 0,
    flavorId: flavor?.id ?? s.flavor.id ?? null,
    imageId: s.image && typeof s.image === 'object' ? s.image.id : null,
    zoneId: s['OS-EXT-AZ:availability_zone'] || null,
    keyPairName: s.key_name || null,
    securityGroupIds: [...new Set(mine.flatMap((p) => p.security_groups))],
    volumeIds: (s['os-extended-volumes:volumes_attached'] ?? []).map((v) => v.id),
    addresses,
    createdAt: s.created ?? null,
    operationId: s.metadata?.[OPERATION_KEY] ?? null,
  };
}

/** Ports (1 call, + pages) and flavors (cached) for a set of servers. */
async function enrich(ctx: Ctx, servers: WireServer[]): Promise<Instance[]> {
  if (!servers.length) return [];
  const [ports, flavors] = await Promise.all([portsOfDevices(ctx, servers.map((s) => s.id)), projectFlavors(ctx)]);
  const byDevice = new Map<string, WirePort[]>();
  for (const port of ports) {
    const list = byDevice.get(port.device_id);
    if (list) list.push(port);
    else byDevice.set(port.device_id, [port]);
  }
  return servers.map((s) => toInstance(s, byDevice.get(s.id) ?? [], flavors));
}

async function allServers(ctx: Ctx, params: Record<string, string> = {}): Promise<WireServer[]> {
  return readOnce(ctx, Object.keys(params).length ? null : 'servers', () =>
    ctx.session.collect<WireServer>(
      'compute',
      { operation: 'nova.servers.detail', method: 'GET', path: '/servers/detail', query: query(params), what: 'Listing servers' },
      'servers',
    ),
  );
}

/**
 * Nova has no multi-id filter for tenants: the project's /servers/detail, every page, filtered
 * locally; then 1 ports call (+ pages) and the (cached) flavor list. The same number of
 * calls for 1 id or 50.
 */
export async function listInstances(ctx: Ctx, filter: ChildFilter = {}): Promise<Instance[]> {
  if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
  // In a snapshot the ports are the project's whole list: read beside the servers, not after.
  prefetch(ctx, ['ports']);
  let servers = await allServers(ctx);
  const ids = filter.ids && new Set(filter.ids);
  if (ids) servers = servers.filter((s) => ids.has(s.id));
  const instances = await enrich(ctx, servers);
  const parents = filter.parentIds && new Set(filter.parentIds);
  return parents ? instances.filter((i) => i.addresses.some((a) => parents.has(a.networkId))) : instances;
}

export async function showServer(ctx: Ctx, id: string, what: string, accept404 = false): Promise<WireServer | null> {
  const res = await ctx.session.call<{ server: WireServer }>('compute', {
    operation: 'nova.servers.show',
    method: 'GET',
    path: `/servers/${encodeURIComponent(id)}`,
    accept: accept404 ? [404] : undefined,
    what,
  });
  return res.status === 404 ? null : res.body.server;
}

const serverHandle = (id: string, success: string[], flavorName?: string): OperationHandle => ({
  kind: 'openstack-status',
  resource: 'server',
  id,
  success,
  failure: ['ERROR'],
  ...(flavorName ? { flavorName } : {}),
});

/**
 * 1 call; with an operation id, unless this is its first attempt, first the project's servers of
 * that name (regex-anchored), so a retried create finds the server an earlier attempt made. The
 * answer of a create only carries the id: the resource is built from the spec and the flavor
 * (cached list).
 */
export async function createInstance(ctx: Ctx, spec: InstanceSpec): Promise<Operation<Instance>> {
  if (spec.rootDiskGb !== undefined && spec.rootDiskGb !== null && (!Number.isInteger(spec.rootDiskGb) || spec.rootDiskGb < 1)) {
    throw badInput(ctx, 'rootDiskGb: must be a whole number of GB, at least 1.');
  }
  if (spec.operationId && !spec.firstAttempt) {
    const same = await allServers(ctx, { name: `^${spec.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` });
    const existing = same.find((s) => s.metadata?.[OPERATION_KEY] === spec.operationId);
    if (existing) {
      const [instance] = await enrich(ctx, [existing]);
      return { handle: serverHandle(existing.id, ['ACTIVE']), resource: instance };
    }
  }
  const server: Record<string, unknown> = {
    name: spec.name,
    flavorRef: spec.flavorId,
    networks: spec.networkIds.length ? spec.networkIds.map((uuid) => ({ uuid })) : 'none',
    metadata: spec.operationId ? { [OPERATION_KEY]: spec.operationId } : {},
  };
  if (spec.rootDiskGb) {
    server.block_device_mapping_v2 = [
      { uuid: spec.imageId, source_type: 'image', destination_type: 'volume', boot_index: 0, volume_size: spec.rootDiskGb, delete_on_termination: true },
    ];
  } else server.imageRef = spec.imageId;
  if (spec.zoneId) server.availability_zone = spec.zoneId;
  if (spec.keyPairName) server.key_name = spec.keyPairName;
  if (spec.securityGroupIds?.length) server.security_groups = spec.securityGroupIds.map((name) => ({ name }));
  if (spec.adminPassword) server.adminPass = spec.adminPassword;

  const { body } = await ctx.session.call<{ server: { id: string } }>('compute', {
    operation: 'nova.servers.create',
    method: 'POST',
    path: '/servers',
    body: { server },
    what: `Creating instance "${spec.name}"`,
  });
  const flavor = (await projectFlavors(ctx).catch(() => [] as WireFlavor[])).find((f) => f.id === spec.flavorId);
  const resource: Instance = {
    id: body.server.id,
    name: spec.name,
    status: 'BUILDING',
    cloudStatus: 'BUILD',
    cpu: flavor?.vcpus ?? 0,
    memoryMb: flavor?.ram ?? 0,
    flavorId: spec.flavorId,
    imageId: spec.rootDiskGb ? null : spec.imageId,
    zoneId: spec.zoneId ?? null,
    keyPairName: spec.keyPairName ?? null,
    securityGroupIds: [...(spec.securityGroupIds ?? [])],
    volumeIds: [],
    addresses: [],
    createdAt: null,
    operationId: spec.operationId ?? null,
  };
  return { handle: serverHandle(body.server.id, ['ACTIVE']), resource };
}

async function action(ctx: Ctx, id: string, body: Record<string, unknown>, what: string) {
  await ctx.session.call('compute', {
    operation: `nova.servers.action.${Object.keys(body)[0]}`,
    method: 'POST',
    path: `/servers/${encodeURIComponent(id)}/action`,
    body,
    what,
  });
}

/**
 * 1 call. Nova answers 202 with no body, so `resource` is null; Nova sets the task state before
 * answering, so the first poll already sees the action under way.
 */
export async function instanceAction(ctx: Ctx, id: string, act: InstanceAction): Promise<Operation<Instance>> {
  const plan: Record<InstanceAction, [Record<string, unknown>, string]> = {
    START: [{ 'os-start': null }, 'ACTIVE'],
    STOP: [{ 'os-stop': null }, 'SHUTOFF'],
    REBOOT: [{ reboot: { type: 'SOFT' } }, 'ACTIVE'],
    HARD_REBOOT: [{ reboot: { type: 'HARD' } }, 'ACTIVE'],
  };
  const [body, done] = plan[act];
  await action(ctx, id, body, `${act.toLowerCase().replace('_', ' ')} of instance ${id}`);
  return { handle: serverHandle(id, [done]), resource: null };
}

export async function rebuildInstance(ctx: Ctx, id: string, spec: { imageId: string; adminPassword?: string | null; name?: string | null }): Promise<Operation<Instance>> {
  const rebuild: Record<string, unknown> = { imageRef: spec.imageId };
  if (spec.adminPassword) rebuild.adminPass = spec.adminPassword;
  if (spec.name) rebuild.name = spec.name;
  await action(ctx, id, { rebuild }, `Rebuilding instance ${id}`);
  return { handle: serverHandle(id, ['ACTIVE', 'SHUTOFF']), resource: null };
}

/**
 * 1 call. The handle ends at ACTIVE/SHUTOFF: polling confirms the resize when the server waits
 * in VERIFY_RESIZE (the unified model has no separate confirm step).
 */
export async function resizeInstance(ctx: Ctx, id: string, flavorId: string): Promise<Operation<Instance>> {
  const what = `Resizing instance ${id} to flavor ${flavorId}`;
  // A flavor made since the list was cached: look again before calling it unknown.
  const flavor =
    (await projectFlavors(ctx)).find((f) => f.id === flavorId) ?? (await projectFlavors(ctx, true)).find((f) => f.id === flavorId);
  if (!flavor) throw new CloudError('NOT_FOUND', `${what}: no such flavor.`, {}, ctx.endpoint.name);
  await action(ctx, id, { resize: { flavorRef: flavorId } }, what);
  // Nova rolls a failed resize back to ACTIVE with the old flavor: the poll checks the flavor too.
  return { handle: serverHandle(id, ['ACTIVE', 'SHUTOFF'], flavor.name), resource: null };
}

export async function confirmResize(ctx: Ctx, id: string): Promise<void> {
  await action(ctx, id, { confirmResize: null }, `Confirming the resize of instance ${id}`);
}

/** PUT + ports and flavors for the unified instance. */
export async function renameInstance(ctx: Ctx, id: string, name: string): Promise<Instance> {
  const { body } = await ctx.session.call<{ server: WireServer }>('compute', {
    operation: 'nova.servers.update',
    method: 'PUT',
    path: `/servers/${encodeURIComponent(id)}`,
    body: { server: { name } },
    what: `Renaming instance ${id}`,
  });
  return (await enrich(ctx, [body.server]))[0];
}

export async function terminateInstance(ctx: Ctx, id: string): Promise<Operation<null>> {
  await ctx.session.call('compute', { operation: 'nova.servers.delete', method: 'DELETE', path: `/servers/${encodeURIComponent(id)}`, what: `Terminating instance ${id}` });
  // Clouds with deferred delete (reclaim_instance_interval) stop at SOFT_DELETED.
  return { handle: serverHandle(id, ['DELETED', 'SOFT_DELETED']), resource: null };
}

/** 1 call (+ pages), names filtered locally. */
export async function listKeyPairs(ctx: Ctx, filter: ListFilter = {}): Promise<KeyPair[]> {
  if (filter.ids && !filter.ids.length) return [];
  const items = await ctx.session.collect<{ keypair: WireKeyPair }>(
    'compute',
    { operation: 'nova.keypairs.list', method: 'GET', path: '/os-keypairs', what: 'Listing key pairs' },
    'keypairs',
  );
  const ids = filter.ids && new Set(filter.ids);
  return items
    .map((i) => i.keypair)
    .filter((k) => !ids || ids.has(k.name))
    .map((k) => ({ name: k.name, fingerprint: k.fingerprint, publicKey: k.public_key ?? null }));
}

/** 1 call; without a public key an Ed25519 pair is generated here and its private key returned once. */
export async function createKeyPair(ctx: Ctx, spec: { name: string; publicKey?: string | null }): Promise<{ keyPair: KeyPair; privateKey: string | null }> {
  let publicKey = spec.publicKey?.trim() || null;
  let privateKey: string | null = null;
  if (!publicKey) ({ publicKey, privateKey } = generateSshKeyPair(spec.name));
  const { body } = await ctx.session.call<{ keypair: WireKeyPair }>('compute', {
    operation: 'nova.keypairs.create',
    method: 'POST',
    path: '/os-keypairs',
    body: { keypair: { name: spec.name, public_key: publicKey, type: 'ssh' } },
    what: `Creating key pair "${spec.name}"`,
  });
  return { keyPair: { name: body.keypair.name, fingerprint: body.keypair.fingerprint, publicKey: body.keypair.public_key }, privateKey };
}

export async function deleteKeyPair(ctx: Ctx, name: string): Promise<void> {
  await ctx.session.call('compute', {
    operation: 'nova.keypairs.delete',
    method: 'DELETE',
    path: `/os-keypairs/${encodeURIComponent(name)}`,
    what: `Deleting key pair "${name}"`,
  });
}

/** Nova /limits: the project's compute limits and use in 1 call. */
export async function computeLimits(ctx: Ctx) {
  const { body } = await ctx.session.call<{ limits: { absolute: Record<string, number> } }>('compute', {
    operation: 'nova.limits.show',
    method: 'GET',
    path: '/limits',
    what: 'Reading compute limits',
  });
  return body.limits.absolute;
}
