import type { CloudDriver, TenantDriver } from '../../clouds/driver';
import type { ReadHorizon } from '../../clouds/read-horizon';
import type { DatacenterRow, TenancyRow } from '../../store/schema';
import { encodeResourceId, type ResourceKind } from '../node/global-id';
import { TenancyLoaders } from './tenancy.loaders';

/**
 * One tenancy as a request reaches it: the datacenter, the tenant's own driver (its own cloud
 * credentials scope every read and write) and the request's loaders for it.
 */
export class TenantScope {
  readonly loaders: TenancyLoaders;

  constructor(
    readonly tenancy: TenancyRow,
    readonly datacenter: DatacenterRow,
    readonly cloud: CloudDriver,
    readonly driver: TenantDriver,
    /** How old a cloud read of this scope may be shared (`ReadHorizon`); the driver's writes move it on. */
    horizon: ReadHorizon | null = null,
  ) {
    this.loaders = new TenancyLoaders(driver, horizon);
  }

  /** Ids of this tenancy's resources, by kind (kept by the process: `knownIds`). */
  private readonly ids: Partial<Record<ResourceKind, Map<string, string>>> = {};

  /** The global id of one of this tenancy's resources. */
  id(kind: ResourceKind, cloudId: string): string {
    const known = (this.ids[kind] ??= knownIds(this.datacenter.id, this.tenancy.id, kind));
    let id = known.get(cloudId);
    if (id === undefined) {
      id = encodeResourceId(kind, { datacenterId: this.datacenter.id, tenancyId: this.tenancy.id, cloudId });
      rememberId(known, cloudId, id);
    }
    return id;
  }

  /** What a job of this tenancy records. */
  jobSpec() {
    return {
      userId: this.tenancy.userId,
      datacenterId: this.datacenter.id,
      datacenterName: this.datacenter.shortName,
      tenancyId: this.tenancy.id,
    };
  }
}

/*
 * A resource's global id depends only on its datacenter, tenancy, kind and cloud id, and a
 * console asks for the same thousands of them each time: they are kept by the process, up to
 * ID_LIMIT of them in all (then forgotten together and made again as they are asked for).
 */
const ID_LIMIT = 200_000;
const idsByTenancyKind = new Map<string, Map<string, string>>();
let idCount = 0;

function knownIds(datacenterId: string, tenancyId: string, kind: ResourceKind): Map<string, string> {
  const key = `${datacenterId}/${tenancyId}/${kind}`;
  let known = idsByTenancyKind.get(key);
  if (!known) idsByTenancyKind.set(key, (known = new Map()));
  return known;
}

function rememberId(known: Map<string, string>, cloudId: string, id: string): void {
  if (idCount >= ID_LIMIT) {
    for (const map of idsByTenancyKind.values()) map.clear();
    idsByTenancyKind.clear();
    idCount = 0;
  }
  known.set(cloudId, id);
  idCount++;
}
