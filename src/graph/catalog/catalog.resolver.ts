import { Arg, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { CatalogReader } from '../../clouds/driver';
import type { DatacenterRow } from '../../store/schema';
import type { Context } from '../context';
import { Datacenter } from '../datacenter/datacenter.type';
import { byName, Flavor, Image, Zone } from './catalog.type';

/** What a datacenter offers. Users read it through their own tenancy there; admins with the datacenter's admin. */
@Resolver(() => Datacenter)
export class CatalogResolver {
  @FieldResolver(() => [Zone], { nullable: true })
  async zones(@Root() dc: Datacenter, @Ctx() ctx: Context): Promise<Zone[]> {
    return (await ctx.services.catalog.zones(dc.row, await reader(dc.row, ctx))).map(Zone.from);
  }

  @FieldResolver(() => [Flavor], { nullable: true, description: 'Smallest first.' })
  async flavors(@Root() dc: Datacenter, @Ctx() ctx: Context): Promise<Flavor[]> {
    const flavors = await ctx.services.catalog.flavors(dc.row, await reader(dc.row, ctx));
    return [...flavors].sort((a, b) => a.cpu - b.cpu || a.memoryMb - b.memoryMb || a.name.localeCompare(b.name)).map(Flavor.from);
  }

  @FieldResolver(() => [Image], { nullable: true, description: 'The images the cloud lists, with what the catalogue sets on them; by name.' })
  async images(
    @Root() dc: Datacenter,
    @Ctx() ctx: Context,
    @Arg('shared', () => Boolean, { nullable: true, description: 'Only the images shared (true) or not shared (false) in the catalogue.' })
    shared?: boolean | null,
  ): Promise<Image[]> {
    const [images, overlay] = await Promise.all([ctx.services.catalog.images(dc.row, await reader(dc.row, ctx)), ctx.services.catalog.overlay(dc.row)]);
    return byName(images.map((image) => Image.from(image, overlay.get(image.id)))).filter((image) => shared == null || image.shared === shared);
  }
}

async function reader(dc: DatacenterRow, ctx: Context): Promise<CatalogReader> {
  const viewer = ctx.viewer!;
  if (viewer.role === 'ADMIN') return ctx.services.datacenters.driver(dc).admin();
  const tenancy = (await ctx.services.tenancies.ofUser(viewer.userId)).find((t) => t.row.datacenterId === dc.id && t.row.status === 'ACTIVE');
  // Datacenter rows reach users only where they hold a tenancy; a FAILED one still shows the catalogue.
  if (!tenancy) return ctx.services.datacenters.driver(dc).admin();
  return (await ctx.services.tenancies.scope(viewer, tenancy.row.id)).driver;
}
