import { and, count, eq, isNull, notInArray, sql } from 'drizzle-orm';
import type { CatalogReader, Flavor, Image, Zone } from '../../clouds/driver';
import { catalogImages, type CatalogImageRow, type DatacenterRow } from '../../store/schema';
import type { AppDeps } from '../services';

const overlayKey = (datacenterId: string) => `catalogue:${datacenterId}`;

/** After the catalogue rows of a datacenter were written other than through CatalogService (a migration, a script): every process reads them again. */
export function catalogueChanged(deps: Pick<AppDeps, 'rows'>, datacenterId: string): Promise<void> {
  return deps.rows.forget(overlayKey(datacenterId));
}

/** What the catalogue adds to a datacenter's images, by the cloud's image id. */
export type ImageOverlay = ReadonlyMap<string, CatalogImageRow>;

export interface CatalogSync {
  /** The rows of the images listed, as the sync left them. */
  entries: ImageOverlay;
  /** Images the catalogue did not hold before. */
  added: number;
  /** Images the catalogue holds that the cloud no longer lists (marked by this sync or before). */
  missing: number;
}

/**
 * Zones, flavors and images of datacenters, read once per request and datacenter whatever
 * the number of fields asking (an instance's flavor, a datacenter's list, a create's check);
 * the catalogue's rows for a datacenter's images likewise, in one query.
 */
/** What the catalogue keeps of a datacenter for a request. */
type CatalogPart = 'zones' | 'flavors' | 'images' | 'overlay';

export class CatalogService {
  private readonly cache = new Map<string, Promise<unknown>>();
  /** What of `cache` has come in, for the look-ups that need no promise (`zonesAtOnce`…). */
  private readonly settled = new Map<string, Partial<Record<CatalogPart, unknown>>>();

  constructor(private readonly deps: Pick<AppDeps, 'db' | 'rows'>) {}

  zones(dc: DatacenterRow, reader: CatalogReader): Promise<Zone[]> {
    return this.once(dc.id, 'zones', () => reader.listZones());
  }

  flavors(dc: DatacenterRow, reader: CatalogReader): Promise<Flavor[]> {
    return this.once(dc.id, 'flavors', () => reader.listFlavors());
  }

  images(dc: DatacenterRow, reader: CatalogReader): Promise<Image[]> {
    return this.once(dc.id, 'images', () => reader.listImages());
  }

  /**
   * Rows of images gone from the cloud are included: an image listed again before the next sync
   * keeps its settings. Kept by the process (deps.rows, STORE_CACHE_MS) until a change of the
   * datacenter's catalogue.
   */
  overlay(dc: DatacenterRow): Promise<ImageOverlay> {
    return this.once(dc.id, 'overlay', () =>
      this.deps.rows.get(overlayKey(dc.id), async () => {
        const rows = await this.deps.db.select().from(catalogImages).where(eq(catalogImages.datacenterId, dc.id));
        return new Map(rows.map((r) => [r.cloudImageId, r])) as ImageOverlay;
      }),
    );
  }

  /** After a write of the datacenter's catalogue rows: this request's copy and every process's. */
  private async changed(datacenterId: string): Promise<void> {
    this.cache.delete(`${datacenterId}:overlay`);
    delete this.settled.get(datacenterId)?.overlay;
    await catalogueChanged(this.deps, datacenterId);
  }

  /**
   * Brings the catalogue in line with `images`, the cloud's full list: the cloud's names and
   * os types are refreshed, an administrator's settings kept; rows of images the list lacks
   * are marked missing (once: the first sync that missed them dates it), and unmarked when
   * their image is listed again.
   */
  async record(dc: DatacenterRow, images: readonly Image[]): Promise<CatalogSync> {
    const now = new Date();
    const listed = new Map(images.map((i) => [i.id, i]));
    const ids = [...listed.keys()];
    const result = await this.deps.db.transaction(async (tx) => {
      const rows = ids.length
        ? await tx
            .insert(catalogImages)
            .values(
              [...listed.values()].map((i) => ({
                datacenterId: dc.id,
                cloudImageId: i.id,
                cloudName: i.name,
                cloudOsType: i.osType,
                syncedAt: now,
                createdAt: now,
                updatedAt: now,
              })),
            )
            .onConflictDoUpdate({
              target: [catalogImages.datacenterId, catalogImages.cloudImageId],
              set: { cloudName: sql`excluded.cloud_name`, cloudOsType: sql`excluded.cloud_os_type`, syncedAt: now, missingSince: null, updatedAt: now },
            })
            .returning()
        : [];
      const gone = and(eq(catalogImages.datacenterId, dc.id), ids.length ? notInArray(catalogImages.cloudImageId, ids) : undefined);
      await tx
        .update(catalogImages)
        .set({ missingSince: now, updatedAt: now })
        .where(and(gone, isNull(catalogImages.missingSince)));
      const [{ missing }] = await tx.select({ missing: count() }).from(catalogImages).where(gone);
      return {
        entries: new Map(rows.map((r) => [r.cloudImageId, r])),
        // The update keeps an existing row's created_at: only rows inserted now carry this sync's time.
        added: rows.filter((r) => r.createdAt.getTime() === now.getTime()).length,
        missing,
      };
    });
    await this.changed(dc.id);
    return result;
  }

  /** The catalogue's row of one image, whether the cloud still lists it or not. */
  async entry(dc: DatacenterRow, cloudImageId: string): Promise<CatalogImageRow | null> {
    return (await this.overlay(dc)).get(cloudImageId) ?? null;
  }

  /** Changes what an administrator sets on an image the catalogue holds; undefined leaves a setting as it is. */
  async setImage(
    row: CatalogImageRow,
    changes: { shared?: boolean; displayName?: string | null; displayOsType?: string | null; missingSince?: null },
  ): Promise<CatalogImageRow> {
    const [updated] = await this.deps.db
      .update(catalogImages)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(catalogImages.id, row.id))
      .returning();
    await this.changed(row.datacenterId);
    return updated;
  }

  /** After a change of the catalogue (a new flavor, an image sync). */
  forget(dc: DatacenterRow): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${dc.id}:`)) this.cache.delete(key);
    this.settled.delete(dc.id);
  }

  /** This request's zones, at once when they are in (no promise), else their promise. */
  zonesAtOnce(dc: DatacenterRow, reader: CatalogReader): Zone[] | Promise<Zone[]> {
    return this.atOnce(dc.id, 'zones', () => this.zones(dc, reader));
  }

  flavorsAtOnce(dc: DatacenterRow, reader: CatalogReader): Flavor[] | Promise<Flavor[]> {
    return this.atOnce(dc.id, 'flavors', () => this.flavors(dc, reader));
  }

  imagesAtOnce(dc: DatacenterRow, reader: CatalogReader): Image[] | Promise<Image[]> {
    return this.atOnce(dc.id, 'images', () => this.images(dc, reader));
  }

  overlayAtOnce(dc: DatacenterRow): ImageOverlay | Promise<ImageOverlay> {
    return this.atOnce(dc.id, 'overlay', () => this.overlay(dc));
  }

  private atOnce<T>(datacenterId: string, part: CatalogPart, pending: () => Promise<T>): T | Promise<T> {
    const settled = this.settled.get(datacenterId);
    return settled && part in settled ? (settled[part] as T) : pending();
  }

  private once<T>(datacenterId: string, part: CatalogPart, load: () => Promise<T>): Promise<T> {
    const key = `${datacenterId}:${part}`;
    let pending = this.cache.get(key) as Promise<T> | undefined;
    if (!pending) {
      const started = load();
      pending = started;
      started.then(
        (value) => {
          if (this.cache.get(key) !== started) return;
          let settled = this.settled.get(datacenterId);
          if (!settled) this.settled.set(datacenterId, (settled = {}));
          settled[part] = value;
        },
        () => this.cache.get(key) === started && this.cache.delete(key),
      );
      this.cache.set(key, pending);
    }
    return pending;
  }
}
