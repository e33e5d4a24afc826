import { Arg, Ctx, Field, ID, ObjectType, Resolver } from 'type-graphql';
import { AppError, conflict, ErrorCode, notFound, parseInput } from '../../errors';
import type { DatacenterRow } from '../../store/schema';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { encodeId } from '../node/global-id';
import { CreateFlavorInput, createFlavorRule, ShareImageInput, shareImageRule } from './catalog.input';
import { syncImagesRunner, type SyncImagesResult } from './catalog.runners';
import { byName, Flavor, Image } from './catalog.type';

@ObjectType()
export class SyncImagesPayload {
  @Field(() => Job) job!: Job;
  @Field(() => [Image], { description: 'The datacenter’s images as its cloud lists them now, with what the catalogue sets on them; by name.' })
  images!: Image[];
}

/** What an administrator changes in a datacenter's catalogue, through the datacenter's admin credentials. */
@Resolver()
export class CatalogMutations {
  @AuditedMutation(() => Flavor, { access: 'ADMIN', description: 'A new flavor (CloudStack: service offering) in the datacenter.' })
  async createFlavor(
    @Arg('datacenterId', () => ID) datacenterId: string,
    @Arg('input', () => CreateFlavorInput) input: CreateFlavorInput,
    @Ctx() ctx: Context,
  ): Promise<Flavor> {
    const v = parseInput(createFlavorRule, input);
    const dc = await liveDatacenter(ctx, datacenterId);
    const admin = ctx.services.datacenters.driver(dc).admin();
    const flavors = await ctx.services.catalog.flavors(dc, admin);
    const named = flavors.find((f) => f.name.toLowerCase() === v.name.toLowerCase());
    if (named) throw conflict(`A flavor named ${named.name} exists already.`, 'input.name');
    // Instances pick their flavor by cpu and memory: two flavors of one size make that choice ambiguous.
    const same = flavors.find((f) => f.cpu === v.cpu && f.memoryMb === v.memoryMb && f.diskGb === v.diskGb);
    if (same) {
      const err = conflict(`Flavor ${same.name} has ${v.cpu} CPU, ${v.memoryMb} MB and ${v.diskGb} GB already.`, 'input.cpu');
      err.details.fields = ['cpu', 'memoryMb', 'diskGb'].map((field) => ({ field: `input.${field}`, message: `same as flavor ${same.name}` }));
      throw err;
    }
    const created = await admin.createFlavor(v);
    ctx.services.catalog.forget(dc);
    return Flavor.from(created);
  }

  @AuditedMutation(() => SyncImagesPayload, {
    access: 'ADMIN',
    description: 'Reads the datacenter’s images afresh through its admin credentials (the old syn_image); later reads of the catalogue see them.',
  })
  async syncImages(@Arg('datacenterId', () => ID) datacenterId: string, @Ctx() ctx: Context): Promise<SyncImagesPayload> {
    const dc = await liveDatacenter(ctx, datacenterId);
    const spec = { kind: 'syncImages', viewer: ctx.viewer!, datacenterId: dc.id, datacenterName: dc.shortName, resourceId: encodeId('Datacenter', dc.id) };
    const row = await ctx.services.jobs.submit({ ...spec, payload: { datacenterId: dc.id }, runner: syncImagesRunner.name }, ctx.waitMs ?? 0);
    let images: Image[];
    if (row.status === 'SUCCEEDED') {
      images = ((row.result as SyncImagesResult | null)?.images ?? []).map((image) => Object.assign(new Image(), image));
    } else {
      // Not synced yet: the images as the cloud lists them now, with what the catalogue holds so far.
      const [listed, overlay] = await Promise.all([ctx.services.catalog.images(dc, ctx.services.datacenters.driver(dc).admin()), ctx.services.catalog.overlay(dc)]);
      images = listed.map((image) => Image.from(image, overlay.get(image.id)));
    }
    return Object.assign(new SyncImagesPayload(), { job: Job.fromRow(row), images: byName(images) });
  }

  @AuditedMutation(() => Image, {
    access: 'ADMIN',
    description:
      'Sets what the catalogue shows of an image that syncImages recorded: whether users are offered it, its display name and os type (the old share).',
  })
  async shareImage(
    @Arg('datacenterId', () => ID) datacenterId: string,
    @Arg('imageId', () => String, { description: "The cloud's image id." }) imageId: string,
    @Arg('input', () => ShareImageInput) input: ShareImageInput,
    @Ctx() ctx: Context,
  ): Promise<Image> {
    const v = parseInput(shareImageRule, input);
    const dc = await liveDatacenter(ctx, datacenterId);
    const entry = await ctx.services.catalog.entry(dc, imageId);
    if (!entry) {
      throw new AppError(ErrorCode.NOT_FOUND, `Image ${imageId} is not in the catalogue of ${dc.shortName}; sync its images first.`, { field: 'imageId' });
    }
    // The live list decides, not the last sync's mark: an image the cloud lists again may be shared at once.
    const image = (await ctx.services.catalog.images(dc, ctx.services.datacenters.driver(dc).admin())).find((i) => i.id === imageId);
    if (!image) throw conflict(`Image ${entry.displayName ?? entry.cloudName} (${imageId}) is no longer in ${dc.shortName}.`, 'imageId');
    const updated = await ctx.services.catalog.setImage(entry, {
      shared: v.shared ?? undefined,
      displayName: v.name,
      displayOsType: v.osType,
      missingSince: entry.missingSince ? null : undefined,
    });
    return Image.from(image, updated);
  }
}

async function liveDatacenter(ctx: Context, datacenterId: string): Promise<DatacenterRow> {
  const dc = await ctx.services.datacenters.get(ctx.viewer!, datacenterId);
  if (dc.removedAt) throw notFound('Datacenter');
  return dc;
}
