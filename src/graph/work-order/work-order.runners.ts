import { z } from 'zod';
import { defineRunner } from '../../jobs/runner';

/**
 * A work order's job: provisions the order (VM, then its volumes attached, then its floating
 * IPs associated; what it made removed again if a step fails), then queues its report. The
 * root password comes sealed with the job. Resumed, it provisions no item twice.
 */
export const workOrderRunner = defineRunner({
  name: 'workOrder',
  payload: z.object({ workOrderRowId: z.uuid() }),
  run(ctx, payload, run, job) {
    return ctx.services.workOrders.runOrder(ctx, payload.workOrderRowId, run, job);
  },
});

/**
 * The report of an ended order to its msghandler_url, sent again with growing pauses until the
 * handler accepts it or the attempts run out; a job of its own so that the order's job (and
 * whoever waits for it) need not wait for the billing system's handler.
 */
export const workOrderReportRunner = defineRunner({
  name: 'workOrderReport',
  payload: z.object({
    workOrderRowId: z.uuid(),
    cause: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
  async run(ctx, payload, run) {
    const outcome = await run.once('deliver', () => ctx.services.workOrders.report(payload.workOrderRowId, payload.cause));
    return { outcome };
  },
});
