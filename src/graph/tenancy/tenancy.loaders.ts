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
  readonly networks: Lookup<Network | null>;
  readonly subnets: Lookup<Subnet | null>;
  readonly subnetsOfNetwork: Lookup<Subnet[]>;
  readonly instances: Lookup<Instance | null>;
  /** Instances with an address on the network. */
  readonly instancesOfNetwork: Lookup<Instance[]>;
  readonly volumes: Lookup<Volume | null>;
  readonly volumesOfInstance: Lookup<Volume[]>;
  readonly backups: Lookup<VolumeBackup | null>;
  readonly backupsOfVolume: Lookup<VolumeBackup[]>;
  readonly floatingIps: Lookup<FloatingIp | null>;
  readonly floatingIpsOfInstance: Lookup<FloatingIp[]>;
  readonly securityGroups: Lookup<SecurityGroup | null>;
  /** By name: key pairs are named. */
  readonly keyPairs: Lookup<KeyPair | null>;
  readonly ipAvailability: DataLoader<string, IpAvailability | null>;

  /** Whole lists asked for, by collection, each indexed once it is in. */
  private readonly everything = new Map<WholeList, Promise<Settled<any>>>();
  /** Whole lists that are in: their loads answer at once (`Lookup.get`). */
  private readonly settled = new Map<WholeList, Settled<any>>();
  /** Moved on by `clear()`: a list asked for before it neither primes nor settles anything after. */
  private generation = 0;
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
    this.ipAvailability = byIds(undefined, (ids) => this.driver.ipAvailability(ids), (a) => a.networkId);

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
   * Settles when they all have (never rejects: a read that fails fails the fields that need it).
   */
  readAhead(reads: Iterable<CloudRead>): Promise<unknown> {
    const started: Promise<unknown>[] = [];
    for (const read of reads) {
      if (read === 'quota') started.push(this.quota());
      else if (read in this.wholeLists) started.push(this.wholeLists[read as WholeList]());
    }
    return Promise.allSettled(started);
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
    ] as { clearAll(): unknown }[]) {
      loader.clearAll();
    }
    this.generation++;
    this.everything.clear();
    this.settled.clear();
    this.quotaPromise = null;
    // Anew means as the cloud is from now on: no read under way is shared either.
    this.horizon?.advance();
    this.driver = this.tenant.snapshot();
  }

  private all<T>(key: WholeList, list: () => Promise<T[]>, loader: Lookup<T | null>, idOf: (item: T) => string): Promise<T[]> {
    let pending = this.everything.get(key) as Promise<Settled<T>> | undefined;
    if (!pending) {
      const generation = this.generation;
      pending = list().then((items) => {
        const index = new Settled(items, idOf);
        if (generation === this.generation) {
          this.prime(loader, items, idOf);
          this.settled.set(key, index);
        }
        return index;
      });
      // A failed list stands for the request, as an answer does: every field that needs it
      // reports its error, and the cloud is not asked again (the upstream retries what may be).
      pending.catch(() => undefined);
      this.everything.set(key, pending);
    }
    return pending.then((index) => index.items);
  }

  /** N ids → one list call, or the whole list under way, or at once from the whole list in. */
  private byIds<T>(key: WholeList, list: (ids: string[]) => Promise<T[]>, idOf: (item: T) => string): Lookup<T | null> {
    return new Lookup(
      byIds(() => this.everything.get(key) as Promise<Settled<T>> | undefined, list, idOf),
      (id) => (this.settled.get(key) as Settled<T> | undefined)?.item(id),
    );
  }

  /** N parent ids → one list call (its items primed in `byId`), or the whole list under way, or at once from the whole list in. */
  private byParents<T>(
    key: WholeList,
    list: (parentIds: string[]) => Promise<T[]>,
    byId: Lookup<T | null>,
    idOf: (item: T) => string,
    parentsOf: (item: T) => string[],
  ): Lookup<T[]> {
    return new Lookup(
      byParents(
        () => this.everything.get(key) as Promise<Settled<T>> | undefined,
        (parentIds) => {
          const generation = this.generation;
          return list(parentIds).then((items) => (generation === this.generation ? this.prime(byId, items, idOf) : items));
        },
        parentsOf,
      ),
      (parent) => (this.settled.get(key) as Settled<T> | undefined)?.childrenOf(parentsOf, parent),
    );
  }

  private prime<T>(loader: Lookup<T | null>, items: T[], idOf: (item: T) => string): T[] {
    for (const item of items) loader.prime(idOf(item), item);
    return items;
  }
}

type WholeList = Exclude<CloudRead, 'quota' | 'flavors' | 'images' | 'zones'>;

/**
 * A batched look-up that answers at once, without a promise, once the whole list it reads from
 * is in: a field of each of a thousand instances then costs no promise, no batch and no turn.
 */
export class Lookup<V> {
  constructor(
    private readonly loader: DataLoader<string, V>,
    /** The answer from the whole list when it is in; undefined when not (or it lacks the id). */
    private readonly now: (key: string) => V | undefined,
  ) {}

  /** The answer, at once when it can be, else its promise. */
  get(key: string): V | Promise<V> {
    const now = this.now(key);
    return now === undefined ? this.loader.load(key) : now;
  }

  load(key: string): Promise<V> {
    return this.loader.load(key);
  }

  prime(key: string, value: V): void {
    this.loader.prime(key, value);
  }

  clearAll(): void {
    this.loader.clearAll();
  }
}

/** A whole list that is in, indexed on first use: by id, and by parent for each way of naming parents. */
class Settled<T> {
  private ids?: Map<string, T>;
  private readonly parents = new Map<(item: T) => string[], Map<string, T[]>>();

  constructor(
    readonly items: T[],
    private readonly idOf: (item: T) => string,
  ) {}

  item(id: string): T | undefined {
    this.ids ??= new Map(this.items.map((item) => [this.idOf(item), item]));
    return this.ids.get(id);
  }

  /** The whole list has every child: a parent it names none of has none. */
  childrenOf(parentsOf: (item: T) => string[], parent: string): T[] {
    let children = this.parents.get(parentsOf);
    if (!children) {
      children = new Map();
      for (const item of this.items) {
        const parents = parentsOf(item);
        for (const id of parents.length > 1 ? new Set(parents) : parents) {
          const list = children.get(id);
          if (list) list.push(item);
          else children.set(id, [item]);
        }
      }
      this.parents.set(parentsOf, children);
    }
    return children.get(parent) ?? NO_CHILDREN;
  }
}

const NO_CHILDREN: never[] = [];

/** `fn` of a value, or of a promise's value when it is one: no promise where there was none. */
export function mapMaybe<T, R>(value: T | Promise<T>, fn: (value: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/**
 * N ids → one list call; a missing id answers null. With the whole list under way (`whole`),
 * the ids are looked up in it, and only those it lacks are asked of the cloud.
 */
function byIds<T>(
  whole: (() => Promise<Settled<T>> | undefined) | undefined,
  list: (ids: string[]) => Promise<T[]>,
  idOf: (item: T) => string,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(
    async (ids) => {
      const pending = whole?.();
      const index = pending ? await pending : undefined;
      const found = new Map<string, T>();
      for (const id of ids) {
        const item = index?.item(id);
        if (item !== undefined) found.set(id, item);
      }
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) for (const item of await list(missing)) found.set(idOf(item), item);
      return ids.map((id) => found.get(id) ?? null);
    },
    { maxBatchSize: 500 },
  );
}

/** N parent ids → one list call (or the whole list under way); each parent gets its children (an item may have several parents). */
function byParents<T>(
  whole: () => Promise<Settled<T>> | undefined,
  list: (parentIds: string[]) => Promise<T[]>,
  parentsOf: (item: T) => string[],
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(
    async (parentIds) => {
      const pending = whole();
      if (pending) {
        const index = await pending;
        return parentIds.map((id) => index.childrenOf(parentsOf, id));
      }
      const items = await list([...parentIds]);
      const children = new Map<string, T[]>(parentIds.map((id) => [id, []]));
      for (const item of items) {
        for (const parent of new Set(parentsOf(item))) children.get(parent)?.push(item);
      }
      return parentIds.map((id) => children.get(id)!);
    },
    { maxBatchSize: 500 },
  );
}
