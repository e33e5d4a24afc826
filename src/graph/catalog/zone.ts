import type { Context } from '../context';
import type { TenantScope } from '../tenancy/tenancy.scope';
import { Flavor, Image, Zone } from './catalog.type';

/** A resource's zone from the datacenter's zone list (one call per request and datacenter). */
export async function zoneOf(scope: TenantScope, zoneId: string | null, ctx: Context): Promise<Zone | null> {
  if (!zoneId) return null;
  const zone = (await ctx.services.catalog.zones(scope.datacenter, scope.driver)).find((z) => z.id === zoneId || z.name === zoneId);
  return Zone.from(zone ?? { id: zoneId, name: zoneId, available: false });
}

export async function flavorOf(scope: TenantScope, flavorId: string | null, ctx: Context): Promise<Flavor | null> {
  if (!flavorId) return null;
  const flavor = (await ctx.services.catalog.flavors(scope.datacenter, scope.driver)).find((f) => f.id === flavorId || f.name === flavorId);
  return flavor ? Flavor.from(flavor) : null;
}

export async function imageOf(scope: TenantScope, imageId: string | null, ctx: Context): Promise<Image | null> {
  if (!imageId) return null;
  const [images, overlay] = await Promise.all([ctx.services.catalog.images(scope.datacenter, scope.driver), ctx.services.catalog.overlay(scope.datacenter)]);
  const image = images.find((i) => i.id === imageId);
  return image ? Image.from(image, overlay.get(image.id)) : null;
}
