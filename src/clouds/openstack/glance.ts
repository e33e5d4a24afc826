import type { Image, ImageStatus, ListFilter } from '../driver';
import { IDS_PER_REQUEST, query, type Ctx } from './context';

/*
 * Glance v2 images. Lists page at 25 by default and link the next page with a path relative to
 * the image endpoint; the driver follows it to the end. Ids batch with `id=in:a,b,…`.
 */

interface WireImage {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  min_disk: number | null;
  size: number | null;
  os_type?: string;
  os_distro?: string;
}

const STATUS: Record<string, ImageStatus> = {
  active: 'ACTIVE',
  queued: 'PENDING',
  saving: 'PENDING',
  uploading: 'PENDING',
  importing: 'PENDING',
  killed: 'ERROR',
  deactivated: 'ERROR',
  deleted: 'DELETED',
  pending_delete: 'DELETED',
};

function toImage(i: WireImage): Image {
  return {
    id: i.id,
    name: i.name ?? '',
    osType: i.os_type ?? null,
    status: STATUS[i.status] ?? 'ERROR',
    minDiskGb: i.min_disk ?? 0,
    sizeBytes: i.size ?? null,
    isPublic: i.visibility === 'public',
  };
}

/**
 * Without ids: every page (25 a page unless the cloud says otherwise). With up to 100 ids: one
 * `id=in:` call; with more, every page filtered here, so calls never grow with the ids.
 */
export async function listImages(ctx: Ctx, filter: ListFilter = {}): Promise<Image[]> {
  const spec = { operation: 'glance.images.list', method: 'GET' as const, path: '/images', what: 'Listing images' };
  if (filter.ids && !filter.ids.length) return [];
  const ids = filter.ids ? [...new Set(filter.ids)] : null;
  if (!ids || ids.length > IDS_PER_REQUEST) {
    const all = (await ctx.session.collectGlance<WireImage>(spec, 'images')).map(toImage);
    const wanted = ids && new Set(ids);
    return wanted ? all.filter((i) => wanted.has(i.id)) : all;
  }
  // One more than asked for: Glance links a next page whenever a page is full.
  const images = await ctx.session.collectGlance<WireImage>({ ...spec, query: query({ id: `in:${ids.join(',')}`, limit: ids.length + 1 }) }, 'images');
  return images.map(toImage);
}
