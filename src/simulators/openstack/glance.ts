import { createHash } from 'node:crypto';
import type { SimRequest } from '../common';
import { glanceError, isoNow, json, noContent, objectBody, route, str, type Route } from './http';
import { uuid, type Image, type OpenStackState, type RequestContext } from './state';

/*
 * Glance v2 images: the list pages at 25 by default and links the next page with a path
 * relative to the image endpoint (`/v2/images?marker=…`), filters take the `in:` operator, custom
 * properties are flat string keys. Errors are plain text.
 */

const V2 = '/image/v2';
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
const RESERVED = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'sort', 'member_status']);

export function imageVisible(ctx: RequestContext, image: Image): boolean {
  return ctx.isAdmin || image.owner === ctx.projectId || image.visibility === 'public' || image.visibility === 'community';
}

/** Images whose name starts with `broken` boot into ERROR: a deterministic failure for tests. */
export const isBrokenImage = (image: Image | undefined): boolean => !!image && image.name.toLowerCase().startsWith('broken');

export function imageView(image: Image): Record<string, unknown> {
  return {
    ...image.properties,
    id: image.id,
    name: image.name,
    status: image.status,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.osHidden,
    owner: image.owner,
    min_disk: image.minDisk,
    min_ram: image.minRam,
    size: image.size,
    virtual_size: image.virtualSize,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    checksum: image.checksum,
    os_hash_algo: image.checksum ? 'sha512' : null,
    os_hash_value: image.checksum ? createHash('sha512').update(image.id).digest('hex') : null,
    tags: image.tags,
    created_at: image.createdAt,
    updated_at: image.updatedAt,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function addImage(state: OpenStackState, spec: Partial<Image> & { name: string; owner: string }): Image {
  const now = isoNow();
  const image: Image = {
    id: uuid(),
    status: 'active',
    visibility: 'public',
    minDisk: 0,
    minRam: 0,
    size: 1073741824,
    virtualSize: null,
    diskFormat: 'qcow2',
    containerFormat: 'bare',
    protected: false,
    osHidden: false,
    tags: [],
    createdAt: now,
    updatedAt: now,
    checksum: createHash('md5').update(spec.name).digest('hex'),
    properties: {},
    ...spec,
  };
  state.images.set(image.id, image);
  return image;
}

export function glanceRoutes(state: OpenStackState): Route[] {
  const r = (method: string, path: string, op: string, handle: Route['handle'], auth = true) =>
    route('glance', method, `${V2}${path}`, op, handle, { auth });
  return [
    route('glance', 'GET', '/image', 'glance.versions', () => json(300, { versions: [{ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: `${state.baseUrl}/image/v2/` }] }] }), { auth: false }),
    r('GET', '/images', 'glance.images.list', (req, ctx) => listImages(state, req, ctx)),
    r('GET', '/images/:id', 'glance.images.show', (_req, ctx, { id }) => {
      const image = state.images.get(id);
      if (!image || !imageVisible(ctx, image)) return glanceError(404, `No image found with ID ${id}`);
      return json(200, imageView(image));
    }),
    r('POST', '/images', 'glance.images.create', (req, ctx) => {
      const body = objectBody(req);
      if (!body) return glanceError(400, 'Body expected in request.');
      const visibility = str(body.visibility) ?? 'shared';
      if (visibility === 'public' && !ctx.isAdmin) return glanceError(403, 'You are not authorized to complete publicize_image action.');
      const known = new Set(['name', 'visibility', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'protected', 'tags', 'os_hidden', 'id']);
      const properties = Object.fromEntries(Object.entries(body).filter(([k, v]) => !known.has(k) && typeof v === 'string')) as Record<string, string>;
      const image = addImage(state, {
        name: str(body.name) ?? '',
        owner: ctx.projectId,
        visibility,
        status: 'queued',
        size: null,
        checksum: null,
        minDisk: Number(body.min_disk ?? 0),
        minRam: Number(body.min_ram ?? 0),
        diskFormat: str(body.disk_format) ?? 'qcow2',
        containerFormat: str(body.container_format) ?? 'bare',
        properties,
      });
      return json(201, imageView(image));
    }),
    r('DELETE', '/images/:id', 'glance.images.delete', (_req, ctx, { id }) => {
      const image = state.images.get(id);
      if (!image || !imageVisible(ctx, image)) return glanceError(404, `Failed to find image ${id} to delete`);
      if (!ctx.isAdmin && image.owner !== ctx.projectId) return glanceError(403, 'You are not authorized to complete delete_image action.');
      if (image.protected) return glanceError(403, `Image ${id} is protected and cannot be deleted.`);
      state.images.delete(id);
      return noContent();
    }),
  ];
}

function listImages(state: OpenStackState, req: SimRequest, ctx: RequestContext) {
  const q = req.url.searchParams;
  const rawLimit = q.get('limit');
  if (rawLimit !== null && !/^\d+$/.test(rawLimit)) return glanceError(400, 'limit param must be an integer');
  const limit = Math.min(rawLimit === null ? DEFAULT_LIMIT : Number(rawLimit), MAX_LIMIT);

  const visibility = q.get('visibility');
  let images = [...state.images.values()].reverse().filter((image) => {
    if (!imageVisible(ctx, image)) return false;
    // Community images of others only show when asked for.
    if (image.visibility === 'community' && image.owner !== ctx.projectId && visibility !== 'community' && visibility !== 'all') return false;
    if (visibility && visibility !== 'all' && image.visibility !== visibility) return false;
    return true;
  });
  if (q.get('os_hidden') !== 'true') images = images.filter((image) => !image.osHidden);

  for (const key of new Set(q.keys())) {
    if (RESERVED.has(key) || key === 'visibility' || key === 'os_hidden') continue;
    const raw = q.get(key)!;
    const values = raw.startsWith('in:') ? raw.slice(3).split(',').map((v) => v.replace(/^"|"$/g, '')) : [raw];
    images = images.filter((image) => {
      const view = imageView(image);
      if (key === 'tag') return q.getAll('tag').every((t) => image.tags.includes(t));
      if (key === 'size_min') return (image.size ?? 0) >= Number(raw);
      if (key === 'size_max') return (image.size ?? 0) <= Number(raw);
      const value = view[key];
      return value !== undefined && value !== null && values.includes(String(value));
    });
  }

  const marker = q.get('marker');
  let start = 0;
  if (marker) {
    const at = images.findIndex((image) => image.id === marker);
    if (at < 0) return glanceError(400, `Invalid marker. Image ${marker} could not be found.`);
    start = at + 1;
  }
  const pageItems = images.slice(start, start + limit);
  const firstParams = new URLSearchParams(q);
  firstParams.delete('marker');
  const first = `/v2/images${firstParams.size ? `?${firstParams.toString()}` : ''}`;
  const body: Record<string, unknown> = { images: pageItems.map(imageView), schema: '/v2/schemas/images', first };
  // Glance links a next page whenever the page is full; an empty last page ends the walk.
  if (pageItems.length === limit && pageItems.length > 0) {
    const next = new URLSearchParams(q);
    next.set('marker', pageItems[pageItems.length - 1].id);
    body.next = `/v2/images?${next.toString()}`;
  }
  return json(200, body);
}
