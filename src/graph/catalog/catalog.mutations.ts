import { Arg, Ctx, Field, ID, ObjectType, Resolver } from 'type-graphql';
import { conflict, notFound, parseInput } from '../../errors';
import type { DatacenterRow } from '../../store/schema';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { encodeId } from '../node/global-id';
import { CreateFlavorInput, createFlavorRule } from './catalog.input';
import { Flavor, Image } from './catalog.type';

@ObjectType()
export class SyncImagesPayload {
  @Field(() => Job) job!: Job;
  @Field(() => [Image], { description: 'The datacenter’s images as its cloud lists them now, by name.' }) images!: Image[];
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
    const { job, result } = await ctx.services.jobs.run(spec, async (run) => {
      ctx.services.catalog.forget(dc);
      await run.progress(10, `reading the images of ${dc.shortName}`);
      const images = await ctx.services.catalog.images(dc, ctx.services.datacenters.driver(dc).admin());
      await run.progress(90, `${images.length} images in ${dc.shortName}`);
      return images;
    });
    return Object.assign(new SyncImagesPayload(), {
      job,
      images: [...result].sort((a, b) => a.name.localeCompare(b.name)).map(Image.from),
    });
  }
}

async function liveDatacenter(ctx: Context, datacenterId: string): Promise<DatacenterRow> {
  const dc = await ctx.services.datacenters.get(ctx.viewer!, datacenterId);
  if (dc.removedAt) throw notFound('Datacenter');
  return dc;
}
