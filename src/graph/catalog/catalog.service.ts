import type { CatalogReader, Flavor, Image, Zone } from '../../clouds/driver';
import type { DatacenterRow } from '../../store/schema';

/**
 * Zones, flavors and images of datacenters, read once per request and datacenter whatever
 * the number of fields asking (an instance's flavor, a datacenter's list, a create's check).
 */
export class CatalogService {
  private readonly cache = new Map<string, Promise<unknown>>();

  zones(dc: DatacenterRow, reader: CatalogReader): Promise<Zone[]> {
    return this.once(`${dc.id}:zones`, () => reader.listZones());
  }

  flavors(dc: DatacenterRow, reader: CatalogReader): Promise<Flavor[]> {
    return this.once(`${dc.id}:flavors`, () => reader.listFlavors());
  }

  images(dc: DatacenterRow, reader: CatalogReader): Promise<Image[]> {
    return this.once(`${dc.id}:images`, () => reader.listImages());
  }

  /** After a change of the catalogue (a new flavor, an image sync). */
  forget(dc: DatacenterRow): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${dc.id}:`)) this.cache.delete(key);
  }

  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let pending = this.cache.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load();
      pending.catch(() => this.cache.delete(key));
      this.cache.set(key, pending);
    }
    return pending;
  }
}
