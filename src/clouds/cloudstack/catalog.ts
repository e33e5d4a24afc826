import { CloudError, type CatalogReader, type Flavor, type Image, type ListFilter, type OperationHandle, type OperationStatus, type Zone } from '../driver';
import type { CloudStackClient } from './client';
import { toFlavor, toImage, toZone } from './mappers';
import type { CsDiskOffering, CsJob, CsOffering, CsSecurityGroup, CsServiceOffering, CsTemplate, CsVpc, CsZone } from './wire';

/**
 * Offerings and zones change rarely and are the same for every account, yet creates need their
 * ids: one cache per datacenter driver keeps them for a few minutes instead of a list call per
 * create. A failed load is not kept.
 */
export class OfferingCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = load();
    const entry = { at: Date.now(), value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}

/** What both the admin and a tenant read, and the job polling they share. */
export class CloudStackCatalog implements CatalogReader {
  constructor(protected readonly client: CloudStackClient) {}

  /** 1 call (+ pages). */
  async listZones(): Promise<Zone[]> {
    return (await this.client.list<CsZone>('listZones', {}, 'zone')).map(toZone);
  }

  /** 1 call (+ pages): listServiceOfferings has no `ids`, so the ids are picked locally. */
  async listFlavors(filter: ListFilter = {}): Promise<Flavor[]> {
    const offerings = await this.client.list<CsServiceOffering>('listServiceOfferings', {}, 'serviceoffering');
    return pick(offerings, filter.ids).map(toFlavor);
  }

  /** 1 call (+ pages) whether all ids in one `ids` or none; a template listed once per zone is returned once. */
  async listImages(filter: ListFilter = {}): Promise<Image[]> {
    const params = { templatefilter: 'executable' };
    const templates = filter.ids
      ? filter.ids.length
        ? await this.client.listByIds<CsTemplate>('listTemplates', params, 'template', filter.ids)
        : []
      : await this.client.list<CsTemplate>('listTemplates', params, 'template');
    const seen = new Set<string>();
    return templates.filter((t) => !seen.has(t.id) && seen.add(t.id)).map(toImage);
  }

  /** 1 call (queryAsyncJobResult) for a job; none for a finished handle. */
  async pollOperation(handle: OperationHandle): Promise<OperationStatus> {
    if (handle.kind === 'done') return { done: true, ok: true, resourceId: handle.resourceId };
    if (handle.kind !== 'cloudstack-job') {
      throw new CloudError('BAD_USER_INPUT', `A ${handle.kind} handle does not belong to a CloudStack datacenter.`, {}, this.client.datacenter);
    }
    const job = await this.client.queryJob(handle.jobId);
    if (job.jobstatus === 0) return { done: false, progress: Math.max(0, Math.min(99, job.jobprocstatus ?? 0)) };
    if (job.jobstatus === 1) return { done: true, ok: true, resourceId: handle.resourceId ?? resourceIdOf(job) };
    return { done: true, ok: false, error: this.client.jobError(job, commandOf(job)).toInfo() };
  }
}

/** Ids creates need and no caller names: the default zone, VPC and tier offerings, disk offerings. */
export class Offerings {
  constructor(
    private readonly client: CloudStackClient,
    private readonly cache: OfferingCache,
  ) {}

  /** The datacenter's zones with their `securitygroupsenabled` flag: one listZones call per driver, reused (cached). */
  zones(): Promise<CsZone[]> {
    return this.cache.get('zones', () => this.client.list<CsZone>('listZones', {}, 'zone'));
  }

  /** The first enabled zone, for creates that name none. */
  async zoneId(zoneId?: string | null): Promise<string> {
    if (zoneId) return zoneId;
    const zone = (await this.zones()).find((z) => toZone(z).available);
    if (!zone) throw new CloudError('BAD_USER_INPUT', 'zoneId: the datacenter has no enabled zone.', {}, this.client.datacenter);
    return zone.id;
  }

  /** Whether a zone's guests are filtered by CloudStack security groups (cached zones; an unknown zone: false). */
  async securityGroupsEnabled(zoneId: string): Promise<boolean> {
    return (await this.zones()).find((z) => z.id === zoneId)?.securitygroupsenabled === true;
  }

  /**
   * Whether the TENANT's security groups are CloudStack security groups (SG-enabled zone) or
   * the network ACL lists of its VPC. The zone is the one the tenant's resources are in:
   * - all enabled zones agree (e.g. a single zone): that flag, no further call;
   * - mixed zones: the tenant's VPCs tell (listVPCs, 1 call): VPCs exist only in zones
   *   without security groups, so a tenant with a VPC in such a zone uses ACL lists; a tenant
   *   with no VPC there uses the SG-enabled zone (its shared networks).
   */
  async tenantUsesSecurityGroups(): Promise<boolean> {
    const enabled = (await this.zones()).filter((z) => toZone(z).available);
    const sg = enabled.filter((z) => z.securitygroupsenabled === true);
    if (!sg.length) return false;
    if (sg.length === enabled.length) return true;
    const aclZones = new Set(enabled.filter((z) => z.securitygroupsenabled !== true).map((z) => z.id));
    const vpcs = await this.client.list<CsVpc>('listVPCs', {}, 'vpc');
    return !vpcs.some((v) => !v.zoneid || aclZones.has(v.zoneid));
  }

  vpcOfferingId(): Promise<string> {
    return this.cache.get('vpcoffering', async () => {
      const offerings = await this.client.list<CsOffering>('listVPCOfferings', {}, 'vpcoffering');
      const enabled = offerings.filter((o) => (o.state ?? 'Enabled') === 'Enabled');
      const chosen = enabled.find((o) => o.isdefault) ?? enabled[0];
      if (!chosen) throw new CloudError('UPSTREAM_ERROR', 'The datacenter offers no VPC offering.', {}, this.client.datacenter);
      return chosen.id;
    });
  }

  /** The offering of VPC tiers: the stock one by name, else the first enabled `forvpc` offering. */
  tierOfferingId(): Promise<string> {
    return this.cache.get('tieroffering', async () => {
      const offerings = await this.client.list<CsOffering>('listNetworkOfferings', { forvpc: 'true', guestiptype: 'Isolated' }, 'networkoffering');
      const enabled = offerings.filter((o) => (o.state ?? 'Enabled') === 'Enabled');
      const chosen = enabled.find((o) => o.name === 'DefaultIsolatedNetworkOfferingForVpcNetworks') ?? enabled[0];
      if (!chosen) throw new CloudError('UPSTREAM_ERROR', 'The datacenter offers no network offering for VPC tiers.', {}, this.client.datacenter);
      return chosen.id;
    });
  }

  diskOfferings(): Promise<CsDiskOffering[]> {
    return this.cache.get('diskofferings', () => this.client.list<CsDiskOffering>('listDiskOfferings', {}, 'diskoffering'));
  }
}

/** Keeps the items named by `ids` (all when no ids are given). */
export function pick<T extends { id: string }>(items: T[], ids: readonly string[] | undefined): T[] {
  if (!ids) return items;
  const wanted = new Set(ids);
  return items.filter((i) => wanted.has(i.id));
}

/** `org.apache…DeployVMCmd` → `DeployVMCmd`, for messages. */
export function commandOf(job: CsJob): string {
  return job.cmd?.split('.').pop() ?? 'job';
}

/**
 * The resource a finished job made: a new ACL item's id for createNetworkACL (a rule of an ACL
 * list), the new rule's id for authorizeSecurityGroupIngress/Egress (whose result is the group
 * with only the rules it added), else the job's instance.
 */
export function resourceIdOf(job: CsJob): string | null {
  const item = job.jobresult?.networkacl as { id?: string } | undefined;
  if (item?.id) return item.id;
  const group = job.jobresult?.securitygroup as CsSecurityGroup | undefined;
  const rule = group?.ingressrule?.[0] ?? group?.egressrule?.[0];
  if (rule?.ruleid) return rule.ruleid;
  return job.jobinstanceid ?? null;
}
