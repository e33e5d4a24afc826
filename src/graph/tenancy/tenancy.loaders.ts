import DataLoader from 'dataloader';
import type {
  FloatingIp,
  Instance,
  IpAvailability,
  KeyPair,
  Network,
  Quota,
  SecurityGroup,
  Subnet,
  TenantDriver,
  Volume,
  VolumeBackup,
} from '../../clouds/driver';
import type { ReadHorizon } from '../../clouds/read-horizon';
import type { CloudRead } from './read-ahead';

/**
 * One tenancy's loaders for one request: every id or parent id a level of the query asks for
 * becomes one batched driver call, so the upstream calls of a query depend on the tenancies
 * and kinds it touches, never on how many resources it returns. Lists prime the by-id loaders,
 * so a resource listed once is not fetched again by id. They read through a snapshot of the
 * tenant (`TenantDriver.snapshot()`): lists of one collection for different fields (a network's
 * subnets, its IP availability, an instance's ports) share one read of it.
 */
export class TenancyLoaders {
  readonly networks: DataLoader<string, Network | null>;
  readonly subnets: DataLoader<string, Subnet | null>;
  readonly subnetsOfNetwork: DataLoader<string, Subnet[]>;
  readonly instances: DataLoader<string, Instance | null>;
  /** Instances with an address on the network. */
  readonly instancesOfNetwork: DataLoader<string, Instance[]>;
  readonly volumes: DataLoader<string, Volume | null>;
  readonly volumesOfInstance: DataLoader<string, Volume[]>;
  readonly backups: DataLoader<string, VolumeBackup | null>;
  readonly backupsOfVolume: DataLoader<string, VolumeBackup[]>;
  readonly floatingIps: DataLoader<string, FloatingIp | null>;
  readonly floatingIpsOfInstance: DataLoader<string, FloatingIp[]>;
  readonly securityGroups: DataLoader<string, SecurityGroup | null>;
  /** By name: key pairs are named. */
  readonly keyPairs: DataLoader<string, KeyPair | null>;
  readonly ipAvailability: DataLoader<string, IpAvailability | null>;

  private readonly everything = new Map<string, Promise<unknown[]>>();
  private quotaPromise: Promise<Quota> | null = null;

  private driver: TenantDriver;

  constructor(
    private readonly tenant: TenantDriver,
    private readonly horizon: ReadHorizon | null = null,
  ) {
    this.driver = tenant.snapshot();
    // Every loader reads through `this.driver` when it runs: `clear()` swaps in a new snapshot.
    // A whole list of the collection under way (read ahead, or asked for by a field) answers
    // its loads too, filtered here, instead of a call of their own.
    this.networks = this.byIds('networks', (ids) => this.driver.listNetworks({ ids }), (n) => n.id);
    this.subnets = this.byIds('subnets', (ids) => this.driver.listSubnets({ ids }), (s) => s.id);
    this.instances = this.byIds('instances', (ids) => this.driver.listInstances({ ids }), (i) => i.id);
    this.volumes = this.byIds('volumes', (ids) => this.driver.listVolumes({ ids }), (v) => v.id);
    this.backups = this.byIds('backups', (ids) => this.driver.listBackups({ ids }), (b) => b.id);
    this.floatingIps = this.byIds('floatingIps', (ids) => this.driver.listFloatingIps({ ids }), (f) => f.id);
    this.securityGroups = this.byIds('securityGroups', (ids) => this.driver.listSecurityGroups({ ids }), (g) => g.id);
    this.keyPairs = this.byIds('keyPairs', (ids) => this.driver.listKeyPairs({ ids }), (k) => k.name);
    this.ipAvailability = byIds(null, (ids) => this.driver.ipAvailability(ids), (a) => a.networkId);

    this.subnetsOfNetwork = this.byParents('subnets', (parentIds) => this.driver.listSubnets({ parentIds }), this.subnets, (s) => s.id, (s) => [s.networkId]);
    this.instancesOfNetwork = this.byParents(
      'instances',
      (parentIds) => this.driver.listInstances({ parentIds }),
      this.instances,
      (i) => i.id,
      (i) => i.addresses.map((a) => a.networkId),
    );
    this.volumesOfInstance = this.byParents('volumes', (parentIds) => this.driver.listVolumes({ parentIds }), this.volumes, (v) => v.id, (v) =>
      v.instanceId ? [v.instanceId] : [],
    );
    this.backupsOfVolume = this.byParents('backups', (parentIds) => this.driver.listBackups({ parentIds }), this.backups, (b) => b.id, (b) => [b.volumeId]);
    this.floatingIpsOfInstance = this.byParents('floatingIps', (parentIds) => this.driver.listFloatingIps({ parentIds }), this.floatingIps, (f) => f.id, (f) =>
      f.instanceId ? [f.instanceId] : [],
    );
  }

  /**
   * Starts now the reads of these collections (and the quota), each once per request as the
   * fields that need them would: what a query selects below a level is known before its parents
   * answer (`readsBelow`), so its cloud reads run beside each other, not level after level.
   * A read that fails is not kept: the field that needs it asks again, and reports its error.
   */
  readAhead(reads: Iterable<CloudRead>): void {
    for (const read of reads) {
      const started = read === 'quota' ? this.quota() : read in this.wholeLists ? this.wholeLists[read as WholeList]() : null;
      void started?.catch(() => undefined);
    }
  }

  /** The whole lists, by what `readAhead` is asked for. */
  private readonly wholeLists: Record<WholeList, () => Promise<unknown[]>> = {
    networks: () => this.allNetworks(),
    subnets: () => this.allSubnets(),
    instances: () => this.allInstances(),
    volumes: () => this.allVolumes(),
    backups: () => this.allBackups(),
    floatingIps: () => this.allFloatingIps(),
    securityGroups: () => this.allSecurityGroups(),
    keyPairs: () => this.allKeyPairs(),
  };

  /** Every network of the tenancy (one driver call per request). */
  allNetworks(): Promise<Network[]> {
    return this.all('networks', () => this.driver.listNetworks(), this.networks, (n) => n.id);
  }

  allSubnets(): Promise<Subnet[]> {
    return this.all('subnets', () => this.driver.listSubnets(), this.subnets, (s) => s.id);
  }

  allInstances(): Promise<Instance[]> {
    return this.all('instances', () => this.driver.listInstances(), this.instances, (i) => i.id);
  }

  allVolumes(): Promise<Volume[]> {
    return this.all('volumes', () => this.driver.listVolumes(), this.volumes, (v) => v.id);
  }

  allBackups(): Promise<VolumeBackup[]> {
    return this.all('backups', () => this.driver.listBackups(), this.backups, (b) => b.id);
  }

  allFloatingIps(): Promise<FloatingIp[]> {
    return this.all('floatingIps', () => this.driver.listFloatingIps(), this.floatingIps, (f) => f.id);
  }

  allSecurityGroups(): Promise<SecurityGroup[]> {
    return this.all('securityGroups', () => this.driver.listSecurityGroups(), this.securityGroups, (g) => g.id);
  }

  allKeyPairs(): Promise<KeyPair[]> {
    return this.all('keyPairs', () => this.driver.listKeyPairs(), this.keyPairs, (k) => k.name);
  }

  quota(): Promise<Quota> {
    this.quotaPromise ??= this.driver.quota();
    return this.quotaPromise;
  }

  /** Forgets everything: after a mutation, the next read sees the cloud as it is now. */
  clear(): void {
    for (const loader of [
      this.networks,
      this.subnets,
      this.subnetsOfNetwork,
      this.instances,
      this.instancesOfNetwork,
      this.volumes,
      this.volumesOfInstance,
      this.backups,
      this.backupsOfVolume,
      this.floatingIps,
      this.floatingIpsOfInstance,
      this.securityGroups,
      this.keyPairs,
      this.ipAvailability,
    ] as DataLoader<string, unknown>[]) {
      loader.clearAll();
    }
    this.everything.clear();
    this.quotaPromise = null;
    // Anew means as the cloud is from now on: no read under way is shared either.
    this.horizon?.advance();
    this.driver = this.tenant.snapshot();
  }

  private all<T>(key: string, list: () => Promise<T[]>, loader: DataLoader<string, T | null>, idOf: (item: T) => string): Promise<T[]> {
    let pending = this.everything.get(key) as Promise<T[]> | undefined;
    if (!pending) {
      pending = list().then((items) => this.prime(loader, items, idOf));
      // A failed list is not remembered: the next field that asks tries again.
      pending.catch(() => this.everything.delete(key));
      this.everything.set(key, pending);
    }
    return pending;
  }

  /** N ids → one list call, or the whole list under way; a missing id answers null. */
  private byIds<T>(key: WholeList, list: (ids: string[]) => Promise<T[]>, idOf: (item: T) => string): DataLoader<string, T | null> {
    return byIds(() => this.everything.get(key) as Promise<T[]> | undefined, list, idOf);
  }

  /** N parent ids → one list call (its items primed in `byId`), or the whole list under way. */
  private byParents<T>(
    key: WholeList,
    list: (parentIds: string[]) => Promise<T[]>,
    byId: DataLoader<string, T | null>,
    idOf: (item: T) => string,
    parentsOf: (item: T) => string[],
  ): DataLoader<string, T[]> {
    return byParents(
      () => this.everything.get(key) as Promise<T[]> | undefined,
      (parentIds) => list(parentIds).then((items) => this.prime(byId, items, idOf)),
      parentsOf,
    );
  }

  private prime<T>(loader: DataLoader<string, T | null>, items: T[], idOf: (item: T) => string): T[] {
    for (const item of items) loader.prime(idOf(item), item);
    return items;
  }
}

type WholeList = Exclude<CloudRead, 'quota' | 'flavors' | 'images' | 'zones'>;

/**
 * N ids → one list call; a missing id answers null. With the whole list under way (`whole`),
 * the ids are looked up in it, and only those it lacks are asked of the cloud.
 */
function byIds<T>(
  whole: (() => Promise<T[]> | undefined) | null,
  list: (ids: string[]) => Promise<T[]>,
  idOf: (item: T) => string,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(
    async (ids) => {
      const all = whole?.();
      const found = new Map((all ? await all : []).map((item) => [idOf(item), item]));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) for (const item of await list(missing)) found.set(idOf(item), item);
      return ids.map((id) => found.get(id) ?? null);
    },
    { maxBatchSize: 500 },
  );
}

/** N parent ids → one list call (or the whole list under way); each parent gets its children (an item may have several parents). */
function byParents<T>(whole: () => Promise<T[]> | undefined, list: (parentIds: string[]) => Promise<T[]>, parentsOf: (item: T) => string[]): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(
    async (parentIds) => {
      const items = await (whole() ?? list([...parentIds]));
      const children = new Map<string, T[]>(parentIds.map((id) => [id, []]));
      for (const item of items) {
        for (const parent of new Set(parentsOf(item))) children.get(parent)?.push(item);
      }
      return parentIds.map((id) => children.get(id)!);
    },
    { maxBatchSize: 500 },
  );
}
