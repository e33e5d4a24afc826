/*
 * The OpenStack driver: Keystone v3, Nova 2.92, Neutron v2.0, Cinder 3.60, Glance v2, over the
 * datacenter's Upstream (timeouts, retries, breaker, one log line per call).
 *
 * Upstream calls per operation (a token costs 1 more when none is cached for the credential,
 * and a call answered 401 costs a new token and 1 resend; "+ pages" = 1 more per extra page):
 *
 *   listZones                1 (nova os-availability-zone)
 *   listFlavors              1 + pages (nova flavors/detail; ids filtered locally)
 *   listImages               no ids: 1 + pages (Glance pages at 25, `next` followed);
 *                            up to 100 ids: 1 (`id=in:a,b,…`); more: every page, filtered locally
 *   pollOperation            1 (GET the resource; 404 = DELETED); +1 when a resize waits in VERIFY_RESIZE (confirm)
 *   provisionTenant          3 (project, user, grant) + 2 the first time per datacenter (domain, role);
 *                            +1 after a project 409 (find), +2 after a user 409 (find, set password)
 *   removeTenant             2
 *   createFlavor             1
 *   listNetworks             3 for any number of ids: networks (`?id=a&id=b`; range and router
 *                            tags inline), subnets and router interface ports (`?network_id=…`),
 *                            + pages; past 100 ids each list is unfiltered and filtered locally
 *                            (Neutron lists never exceed 1 call + pages)
 *   createNetwork            5: network, subnet, router with gateway, tags (range and router),
 *                            add interface (+1 the first time: external network lookup); a
 *                            failure undoes what was made
 *   updateNetwork            3 (PUT, subnets, router ports)
 *   deleteNetwork            3 + per router (1 per interface + ports check + clear gateway + delete;
 *                            the tagged router counts even with no interface left)
 *                            + 1 per leftover port + 1 per subnet (typical: 8)
 *   listSubnets              1 + pages, whatever the number of ids or network ids
 *   createSubnet             3 (show the network for its range and router tags, create, add
 *                            interface); on a network without the router tag +1 (router
 *                            interface ports; no interface call when they name none); 2 for a
 *                            subnet without a gateway
 *   updateSubnet             1
 *   deleteSubnet             3 (show, router ports, delete) + 1 per router interface on it
 *   ipAvailability           3 (networks, subnets, ports) — computed, the Neutron API is admin-only
 *   listSecurityGroups       1 + pages (rules embedded)
 *   create/update/deleteSecurityGroup, addSecurityGroupRule   1
 *   removeSecurityGroupRule  2 (show, to check the group; delete)
 *   listFloatingIps          1 + pages (+1 ports call only if port_details is missing)
 *   allocateFloatingIp       1 (+1 first time: external network; +1 when networkId is given)
 *   associateFloatingIp      2 (instance's ports, PUT)
 *   disassociate/releaseFloatingIp   1
 *   listKeyPairs             1 + pages
 *   createKeyPair, deleteKeyPair     1
 *   listInstances            1 + pages of /servers/detail (no tenant id filter in Nova), + 1 ports
 *                            call (+ pages), + 1 flavors/detail (cached a minute per project)
 *   createInstance           1 (+1 flavors, cached); with operationId, but for a first attempt,
 *                            +1 (servers named so, then +1 ports if one exists already)
 *   instanceAction, rebuildInstance, resizeInstance, terminateInstance   1
 *   renameInstance           3 (PUT, ports, flavors cached)
 *   listVolumes              1 + pages (volumes/detail, filtered locally: no id filter in Cinder)
 *   createVolume, attachVolume, deleteVolume   1
 *   detachVolume             2 (volume for its server, Nova detach)
 *   listBackups              1 + pages (backups/detail; volume_id filter when one volume)
 *   createBackup, deleteBackup   1
 *   restoreBackup            2 (restore, new volume)
 *   quota                    3 (nova limits, cinder limits, neutron quota details)
 *
 * In a snapshot (a request's reads), networks, subnets, ports, servers, volumes and backups
 * are each read once, whole (+ pages), and every list of them is filtered from that read: a
 * request's lists cost one call per collection, whatever their filters. Listing networks
 * starts the subnets and ports beside the networks, listing instances the ports beside the
 * servers.
 */
import type { Logger } from '../../logger';
import type {
  AdminDriver,
  CatalogReader,
  ChildFilter,
  CloudDriver,
  DatacenterEndpoint,
  FlavorSpec,
  ListFilter,
  OperationHandle,
  Quota,
  SecurityGroupRuleSpec,
  TenantCredentials,
  TenantDriver,
  TenantSpec,
} from '../driver';
import { CloudError } from '../driver';
import type { ReadHorizon } from '../read-horizon';
import type { Upstream } from '../upstream';
import * as cinder from './cinder';
import type { Ctx, SharedCache } from './context';
import * as fips from './floating-ips';
import * as glance from './glance';
import * as keystone from './keystone';
import * as neutron from './neutron';
import * as nova from './nova';
import { pollOperation } from './poll';
import * as groups from './security-groups';
import { Session, TokenCache } from './session';

export interface OpenStackDriverDeps {
  log: Logger;
  upstream: Upstream;
}

class OpenStackCatalog implements CatalogReader {
  constructor(protected readonly ctx: Ctx) {}

  listZones() {
    return nova.listZones(this.ctx);
  }

  listFlavors(filter?: ListFilter) {
    return nova.listFlavors(this.ctx, filter);
  }

  listImages(filter?: ListFilter) {
    return glance.listImages(this.ctx, filter);
  }

  pollOperation(handle: OperationHandle) {
    return pollOperation(this.ctx, handle);
  }
}

class OpenStackAdmin extends OpenStackCatalog implements AdminDriver {
  constructor(
    ctx: Ctx,
    private readonly identity: keystone.IdentityCache,
  ) {
    super(ctx);
  }

  provisionTenant(spec: TenantSpec) {
    return keystone.provisionTenant(this.ctx, this.identity, spec);
  }

  removeTenant(tenant: { projectId: string; userId: string }) {
    return keystone.removeTenant(this.ctx, tenant);
  }

  createFlavor(spec: FlavorSpec) {
    return nova.createFlavor(this.ctx, spec);
  }
}

class OpenStackTenant extends OpenStackCatalog implements TenantDriver {
  snapshot = () => new OpenStackTenant({ ...this.ctx, reads: new Map() });
  listNetworks = (filter?: ListFilter) => neutron.listNetworks(this.ctx, filter);
  createNetwork = (spec: Parameters<TenantDriver['createNetwork']>[0]) => neutron.createNetwork(this.ctx, spec);
  updateNetwork = (id: string, changes: { name?: string; description?: string | null }) => neutron.updateNetwork(this.ctx, id, changes);
  deleteNetwork = (id: string) => neutron.deleteNetwork(this.ctx, id);

  listSubnets = (filter?: ChildFilter) => neutron.listSubnets(this.ctx, filter);
  createSubnet = (networkId: string, spec: Parameters<TenantDriver['createSubnet']>[1]) => neutron.createSubnet(this.ctx, networkId, spec);
  updateSubnet = (id: string, changes: { name: string }) => neutron.updateSubnet(this.ctx, id, changes);
  deleteSubnet = (id: string) => neutron.deleteSubnet(this.ctx, id);
  ipAvailability = (networkIds: readonly string[]) => neutron.ipAvailability(this.ctx, networkIds);

  listSecurityGroups = (filter?: ListFilter) => groups.listSecurityGroups(this.ctx, filter);
  createSecurityGroup = (spec: { name: string; description?: string | null }) => groups.createSecurityGroup(this.ctx, spec);
  updateSecurityGroup = (id: string, changes: { name?: string; description?: string | null }) => groups.updateSecurityGroup(this.ctx, id, changes);
  deleteSecurityGroup = (id: string) => groups.deleteSecurityGroup(this.ctx, id);
  addSecurityGroupRule = (groupId: string, rule: SecurityGroupRuleSpec) => groups.addSecurityGroupRule(this.ctx, groupId, rule);
  removeSecurityGroupRule = (groupId: string, ruleId: string) => groups.removeSecurityGroupRule(this.ctx, groupId, ruleId);

  listFloatingIps = (filter?: ChildFilter) => fips.listFloatingIps(this.ctx, filter);
  allocateFloatingIp = (spec: { bandwidthMbps: number; networkId?: string | null }) => fips.allocateFloatingIp(this.ctx, spec);
  associateFloatingIp = (id: string, instanceId: string) => fips.associateFloatingIp(this.ctx, id, instanceId);
  disassociateFloatingIp = (id: string) => fips.disassociateFloatingIp(this.ctx, id);
  releaseFloatingIp = (id: string) => fips.releaseFloatingIp(this.ctx, id);

  listKeyPairs = (filter?: ListFilter) => nova.listKeyPairs(this.ctx, filter);
  createKeyPair = (spec: { name: string; publicKey?: string | null }) => nova.createKeyPair(this.ctx, spec);
  deleteKeyPair = (name: string) => nova.deleteKeyPair(this.ctx, name);

  listInstances = (filter?: ChildFilter) => nova.listInstances(this.ctx, filter);
  createInstance = (spec: Parameters<TenantDriver['createInstance']>[0]) => nova.createInstance(this.ctx, spec);
  instanceAction = (id: string, action: Parameters<TenantDriver['instanceAction']>[1]) => nova.instanceAction(this.ctx, id, action);
  rebuildInstance = (id: string, spec: Parameters<TenantDriver['rebuildInstance']>[1]) => nova.rebuildInstance(this.ctx, id, spec);
  resizeInstance = (id: string, flavorId: string) => nova.resizeInstance(this.ctx, id, flavorId);
  renameInstance = (id: string, name: string) => nova.renameInstance(this.ctx, id, name);
  terminateInstance = (id: string) => nova.terminateInstance(this.ctx, id);

  listVolumes = (filter?: ChildFilter) => cinder.listVolumes(this.ctx, filter);
  createVolume = (spec: Parameters<TenantDriver['createVolume']>[0]) => cinder.createVolume(this.ctx, spec);
  attachVolume = (id: string, instanceId: string) => cinder.attachVolume(this.ctx, id, instanceId);
  detachVolume = (id: string) => cinder.detachVolume(this.ctx, id);
  deleteVolume = (id: string) => cinder.deleteVolume(this.ctx, id);

  listBackups = (filter?: ChildFilter) => cinder.listBackups(this.ctx, filter);
  createBackup = (spec: Parameters<TenantDriver['createBackup']>[0]) => cinder.createBackup(this.ctx, spec);
  restoreBackup = (id: string, spec?: { name?: string | null }) => cinder.restoreBackup(this.ctx, id, spec);
  deleteBackup = (id: string) => cinder.deleteBackup(this.ctx, id);

  async quota(): Promise<Quota> {
    const project = await this.ctx.session.projectId();
    const [compute, volume, network] = await Promise.all([
      nova.computeLimits(this.ctx),
      cinder.volumeLimits(this.ctx),
      this.ctx.session.call<{ quota: Record<string, { limit: number; used: number }> }>('network', {
        operation: 'neutron.quotas.details',
        method: 'GET',
        path: `/quotas/${project}/details`,
        what: 'Reading network quotas',
      }),
    ]);
    // -1 is "no limit" in all three services.
    const item = (limit: number | undefined, used: number | undefined) => ({ limit: limit === undefined || limit < 0 ? null : limit, used: used ?? 0 });
    const q = network.body.quota ?? {};
    return {
      instances: item(compute.maxTotalInstances, compute.totalInstancesUsed),
      cpu: item(compute.maxTotalCores, compute.totalCoresUsed),
      memoryMb: item(compute.maxTotalRAMSize, compute.totalRAMUsed),
      volumes: item(volume.maxTotalVolumes, volume.totalVolumesUsed),
      volumeGb: item(volume.maxTotalVolumeGigabytes, volume.totalGigabytesUsed),
      floatingIps: item(q.floatingip?.limit, q.floatingip?.used),
      networks: item(q.network?.limit, q.network?.used),
    };
  }
}

export class OpenStackDriver implements CloudDriver {
  readonly kind = 'OPENSTACK' as const;
  private readonly tokens = new TokenCache();
  private readonly shared: SharedCache = { flavors: new Map() };
  private readonly identity: keystone.IdentityCache = {};

  constructor(
    readonly endpoint: DatacenterEndpoint,
    private readonly deps: OpenStackDriverDeps,
  ) {
    if (endpoint.kind !== 'OPENSTACK') {
      throw new CloudError('BAD_USER_INPUT', `Datacenter ${endpoint.name} is not an OpenStack datacenter.`, {}, endpoint.name);
    }
  }

  admin(): AdminDriver {
    const domain = this.endpoint.domain ?? 'Default';
    const session = new Session(
      { endpoint: this.endpoint, upstream: this.deps.upstream, log: this.deps.log, cache: this.tokens },
      {
        label: 'the administrator',
        user: { name: this.endpoint.adminUser, domain },
        password: this.endpoint.adminPassword,
        scope: { projectName: this.endpoint.project ?? 'admin', domain },
      },
    );
    return new OpenStackAdmin(this.ctx(session), this.identity);
  }

  tenant(credentials: TenantCredentials, horizon?: ReadHorizon): TenantDriver {
    if (credentials.kind !== 'OPENSTACK') {
      throw new CloudError('BAD_USER_INPUT', `Datacenter ${this.endpoint.name} needs OpenStack credentials.`, {}, this.endpoint.name);
    }
    const session = new Session(
      { endpoint: this.endpoint, upstream: this.deps.upstream, log: this.deps.log, cache: this.tokens },
      { label: `project ${credentials.projectId}`, user: { id: credentials.userId }, password: credentials.password, scope: { projectId: credentials.projectId } },
      horizon,
    );
    return new OpenStackTenant(this.ctx(session));
  }

  private ctx(session: Session): Ctx {
    return { session, endpoint: this.endpoint, log: this.deps.log, shared: this.shared };
  }
}
