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

  /** Ids made in this request, by kind and cloud id: a network named by every address of its instances is encoded once. */
  private readonly ids = new Map<string, string>();

  /** The global id of one of this tenancy's resources. */
  id(kind: ResourceKind, cloudId: string): string {
    const key = `${kind}:${cloudId}`;
    let id = this.ids.get(key);
    if (id === undefined) this.ids.set(key, (id = encodeResourceId(kind, { datacenterId: this.datacenter.id, tenancyId: this.tenancy.id, cloudId })));
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
