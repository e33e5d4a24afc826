import type { Context } from '../context';
import { mapMaybe } from '../tenancy/tenancy.loaders';
import type { TenantScope } from '../tenancy/tenancy.scope';
import { Flavor, Image, Zone } from './catalog.type';

/*
 * A resource's zone, flavor or image from the datacenter's lists (one call each per request and
 * datacenter); once the list is in, at once, without a promise.
 */

export function zoneOf(scope: TenantScope, zoneId: string | null, ctx: Context): Zone | null | Promise<Zone | null> {
  if (!zoneId) return null;
  return mapMaybe(ctx.services.catalog.zonesAtOnce(scope.datacenter, scope.driver), (zones) => {
    const zone = zones.find((z) => z.id === zoneId || z.name === zoneId);
    return Zone.from(zone ?? { id: zoneId, name: zoneId, available: false });
  });
}

export function flavorOf(scope: TenantScope, flavorId: string | null, ctx: Context): Flavor | null | Promise<Flavor | null> {
  if (!flavorId) return null;
  return mapMaybe(ctx.services.catalog.flavorsAtOnce(scope.datacenter, scope.driver), (flavors) => {
    const flavor = flavors.find((f) => f.id === flavorId || f.name === flavorId);
    return flavor ? Flavor.from(flavor) : null;
  });
}

export function imageOf(scope: TenantScope, imageId: string | null, ctx: Context): Image | null | Promise<Image | null> {
  if (!imageId) return null;
  const { catalog } = ctx.services;
  const images = catalog.imagesAtOnce(scope.datacenter, scope.driver);
  const overlay = catalog.overlayAtOnce(scope.datacenter);
  const of = (list: Awaited<typeof images>, rows: Awaited<typeof overlay>) => {
    const image = list.find((i) => i.id === imageId);
    return image ? Image.from(image, rows.get(image.id)) : null;
  };
  return images instanceof Promise || overlay instanceof Promise ? Promise.all([images, overlay]).then(([list, rows]) => of(list, rows)) : of(images, overlay);
}
