import { z } from 'zod';
import { notFound } from '../../errors';
import { defineRunner } from '../../jobs/runner';
import { Image } from './catalog.type';

/** What a syncImages job keeps: the images as the sync read them, with what the catalogue sets on them. */
export interface SyncImagesResult {
  images: Image[];
}

/**
 * Reads a datacenter's images afresh through its admin credentials and records them in the
 * catalogue (the old syn_image). Safe to run again: the catalogue's record is an upsert of the
 * cloud's full list.
 */
export const syncImagesRunner = defineRunner({
  name: 'syncImages',
  payload: z.object({ datacenterId: z.uuid() }),
  async run(ctx, payload, run) {
    const dc = await ctx.services.datacenters.byId(payload.datacenterId);
    if (!dc || dc.removedAt) throw notFound('Datacenter');
    ctx.services.catalog.forget(dc);
    await run.progress(10, `reading the images of ${dc.shortName}`);
    const images = await ctx.services.catalog.images(dc, ctx.services.datacenters.driver(dc).admin());
    await run.progress(60, `${images.length} images in ${dc.shortName}`);
    const sync = await ctx.services.catalog.record(dc, images);
    await run.progress(90, `catalogue of ${dc.shortName}: ${sync.added} new, ${sync.missing} no longer listed`);
    return { images: images.map((image) => Image.from(image, sync.entries.get(image.id))) } satisfies SyncImagesResult;
  },
});
