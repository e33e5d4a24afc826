import { z } from 'zod';
import { defineRunner } from '../../jobs/runner';

/*
 * The jobs of tenancy administration, as a worker runs them. The work itself is the
 * TenancyService's (`perform…`), acting as the administrator who asked; the payload names
 * what to act on by id only, and the work reads it again.
 */

/** What a bulk job keeps as its result: the (local) ids of the tenancies where the work succeeded and where it failed. */
export interface BulkOutcome {
  succeeded: string[];
  failed: string[];
}

const ofTenancy = z.object({ tenancyId: z.uuid() });
const ofDatacenter = z.object({ datacenterId: z.uuid() });

export const registerTenancyRunner = defineRunner({
  name: 'registerTenancy',
  payload: ofTenancy,
  run: (ctx, payload, run) => ctx.services.tenancies.performRegistration(payload.tenancyId, run),
});

export const unregisterTenancyRunner = defineRunner({
  name: 'unregisterTenancy',
  payload: ofTenancy,
  run: (ctx, payload, run) => ctx.services.tenancies.performRemoval(ctx.viewer!, payload.tenancyId, run),
});

export const registerAllUsersRunner = defineRunner({
  name: 'registerAllUsers',
  payload: ofDatacenter,
  run: (ctx, payload, run) => ctx.services.tenancies.performRegisterAll(ctx.viewer!, payload.datacenterId, run),
});

export const unregisterAllUsersRunner = defineRunner({
  name: 'unregisterAllUsers',
  payload: ofDatacenter,
  run: (ctx, payload, run) => ctx.services.tenancies.performUnregisterAll(ctx.viewer!, payload.datacenterId, run),
});
