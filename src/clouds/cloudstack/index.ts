import type { Logger } from '../../logger';
import { CloudError, type AdminDriver, type CloudDriver, type DatacenterEndpoint, type TenantCredentials, type TenantDriver } from '../driver';
import type { ReadHorizon } from '../read-horizon';
import type { Upstream } from '../upstream';
import { CloudStackAdminDriver } from './admin';
import { OfferingCache } from './catalog';
import { CloudStackClient, type CloudStackAuth, type JobWaitOptions } from './client';
import { CloudStackTenantDriver } from './tenant';

/**
 * The CloudStack driver (shared/reference/cloudstack-api.md). Upstream calls per operation,
 * "+ pages" meaning one more call per page beyond the first from a server that caps a list
 * even when asked for every item (`pagesize=-1`; a stock server does not), "+ polls" one
 * queryAsyncJobResult per poll of a job the driver waits
 * for itself, and "(cached)" zone/offering look-ups made once per few minutes per datacenter:
 *
 * | operation | calls |
 * |---|---|
 * | listZones | 1 + pages |
 * | listFlavors (ids) | 1 + pages (listServiceOfferings has no `ids`: picked locally) |
 * | listImages (ids) | 1 + pages (all ids in one `ids` on listTemplates: POST bodies have no URL limit) |
 * | pollOperation | 1 (queryAsyncJobResult); 0 for a `done` handle |
 * | provisionTenant | 3–4: listAccounts, [createAccount], [createUser], getUserKeys, [registerUserKeys] |
 * | removeTenant | 1 + polls (deleteAccount) |
 * | createFlavor | 1 |
 * | listNetworks (ids) | 1 + pages (listVPCs; tiers ride inside each VPC) |
 * | createNetwork | 5 + polls (createVPC start=false, its job, createNetworkACLList `default`, its job, createNetwork tier with that aclid) + (cached) zone, VPC and tier offerings |
 * | updateNetwork | 2 + polls (updateVPC, its job); +1 listVPCs when clearing the description without a new name |
 * | deleteNetwork | 2 + per tier (1 + polls): listNetworks of the VPC, deleteNetwork each, deleteVPC (returned job); a tier held by Destroyed VMs (536): + listVirtualMachines and a retry per pause until they are expunged |
 * | listSubnets (ids, parents) | 1 + pages (listNetworks, `vpcid` when one parent) |
 * | createSubnet | 3: listVPCs (range and sibling tiers), listNetworkACLLists (the VPC's `default`), createNetwork + (cached) tier offering |
 * | updateSubnet | 1 + polls (updateNetwork) |
 * | deleteSubnet | 1 (deleteNetwork; returned job) |
 * | ipAvailability (ids) | 2 + pages: listNetworks + listVirtualMachines |
 * | any security group operation | + (cached) zones; + 1 listVPCs when the datacenter mixes enabled zones with and without security groups (to tell the tenant's zone) |
 * | listSecurityGroups (ids) | VPC zone: 2 + pages: listNetworkACLLists + listNetworkACLs (no `ids`: picked locally) — groups are ACL lists of the VPC. SG zone: 1 + pages (listSecurityGroups, picked locally) |
 * | createSecurityGroup | VPC zone: 3 + polls: listVPCs (the tenant's only VPC), createNetworkACLList, its job. SG zone: 1 (createSecurityGroup) |
 * | updateSecurityGroup | VPC zone: 2: listNetworkACLLists + listNetworkACLs. SG zone: 1 (listSecurityGroups). Renames and descriptions are refused |
 * | deleteSecurityGroup | VPC zone: 3 + polls: listNetworkACLLists (`default` → CONFLICT), deleteNetworkACLList, its job. SG zone: 2: listSecurityGroups (`default` → CONFLICT), deleteSecurityGroup |
 * | addSecurityGroupRule | VPC zone: 1 (createNetworkACL; returned job). SG zone: 1 (authorizeSecurityGroupIngress/Egress; returned job), +1 listSecurityGroups with a remote group |
 * | removeSecurityGroupRule | VPC zone: 2: listNetworkACLs of the list, deleteNetworkACL (returned job). SG zone: 2: listSecurityGroups, revokeSecurityGroupIngress/Egress (returned job) |
 * | listFloatingIps (ids, parents) | 1 + pages (listPublicIpAddresses, tags inline) |
 * | allocateFloatingIp | 2 + polls: associateIpAddress (returned job), createTags bandwidth (awaited); +1 listVPCs without a network |
 * | associateFloatingIp | 3: listPublicIpAddresses, listVirtualMachines, enableStaticNat |
 * | disassociateFloatingIp / releaseFloatingIp | 1 (returned job) |
 * | listKeyPairs (names) | 1 + pages |
 * | createKeyPair / deleteKeyPair | 1 |
 * | listInstances (ids, parents) | 2 + pages: listVirtualMachines (all ids in one call) + listVolumes (skipped when no VM); + 1 + pages listNetworks when a VM has a NIC on a VPC tier (the tiers' ACL lists are its security groups), one for all the VMs |
 * | createInstance | 1 (deployVirtualMachine; returned job) + 1 with an operationId but for a first attempt (look-up; a settled VM found: + listVolumes, + listNetworks on a VPC tier) + (cached) zones; with security groups: in an SG-enabled zone nothing more (`securitygroupids` on the deploy), else per tier 1 + polls (replaceNetworkACLList) |
 * | instanceAction / terminateInstance | 1 (returned job; terminate = destroyVirtualMachine without expunge) |
 * | rebuildInstance | 1 (restoreVirtualMachine); 2 with a name or password (updateVirtualMachine first) |
 * | resizeInstance / renameInstance | 2: changeServiceFor… / updateVirtualMachine + listVolumes; 3 on a VPC tier (+ listNetworks for the tiers' ACL lists) |
 * | listVolumes (ids, parents) | 1 + pages (all ids in one call) |
 * | createVolume | 1 (returned job) + (cached) zone and disk offerings |
 * | attachVolume / detachVolume / deleteVolume | 1 |
 * | listBackups (ids, parents) | 1 + pages (all ids in one call) |
 * | createBackup | 1 (returned job); 2 + polls with a description (createTags) |
 * | restoreBackup / deleteBackup | 1 (returned job) |
 * | quota | 1 (listAccounts) |
 *
 * Security groups dispatch on the tenant's zone (tenant.ts, Offerings.tenantUsesSecurityGroups):
 * in a zone with securitygroupsenabled=true they are CloudStack's own security groups
 * (zone-security-groups.ts, rules in sg-rules.ts) and instances get `securitygroupids`;
 * elsewhere they are network ACL lists of the tenant's VPC and apply per tier
 * (security-groups.ts), so an instance there reads the ACL lists of its tiers as its groups. The zone flags come from one listZones per driver, cached.
 * Terminated instances are Destroyed, not expunged (users may not expunge on a stock cloud);
 * they read as DELETED until the server's expunge thread removes them.
 *
 * The admin signs with its API keys when the endpoint has them, else logs in (sessionkey +
 * JSESSIONID, renewed once on a 401). Tenants sign with their own keys.
 */

export interface CloudStackDriverDeps {
  log: Logger;
  upstream: Upstream;
  /** How long the driver waits for jobs it must see finished before answering. */
  jobWait?: JobWaitOptions;
}

export class CloudStackDriver implements CloudDriver {
  readonly kind = 'CLOUDSTACK' as const;
  private readonly cache = new OfferingCache();
  private adminDriver: CloudStackAdminDriver | null = null;

  constructor(
    readonly endpoint: DatacenterEndpoint,
    private readonly deps: CloudStackDriverDeps,
  ) {
    if (endpoint.kind !== 'CLOUDSTACK') throw new Error(`CloudStackDriver given a ${endpoint.kind} endpoint`);
  }

  admin(): AdminDriver {
    const { endpoint } = this;
    this.adminDriver ??= new CloudStackAdminDriver(
      this.client(
        endpoint.adminApiKey && endpoint.adminSecretKey
          ? { kind: 'keys', apiKey: endpoint.adminApiKey, secretKey: endpoint.adminSecretKey }
          : { kind: 'session', username: endpoint.adminUser, password: endpoint.adminPassword, domain: '/' },
        'admin',
      ),
    );
    return this.adminDriver;
  }

  tenant(credentials: TenantCredentials, horizon?: ReadHorizon): TenantDriver {
    if (credentials.kind !== 'CLOUDSTACK') {
      throw new CloudError('BAD_USER_INPUT', 'OpenStack credentials given to a CloudStack datacenter.', {}, this.endpoint.name);
    }
    const client = this.client({ kind: 'keys', apiKey: credentials.apiKey, secretKey: credentials.secretKey }, 'tenant', horizon);
    return new CloudStackTenantDriver(client, this.cache, this.deps.log);
  }

  private client(auth: CloudStackAuth, role: 'admin' | 'tenant', horizon?: ReadHorizon): CloudStackClient {
    return new CloudStackClient({ endpoint: this.endpoint, upstream: this.deps.upstream, log: this.deps.log, auth, role, jobWait: this.deps.jobWait, horizon });
  }
}
