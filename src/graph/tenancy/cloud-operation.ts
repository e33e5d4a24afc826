import { z } from 'zod';
import type { Operation, TenantDriver } from '../../clouds/driver';
import { asInputError, namingInputField } from '../../errors';
import type { JobRun } from '../../jobs/journal';
import { defineRunner } from '../../jobs/runner';
import { RESOURCE_KINDS, type ResourceKind } from '../node/global-id';
import type { TenantScope } from './tenancy.scope';

/** The tenant driver's methods a job may call: each starts (or makes) one change in the tenant's cloud. */
export const CLOUD_METHODS = [
  'createNetwork',
  'deleteNetwork',
  'createSubnet',
  'deleteSubnet',
  'deleteSecurityGroup',
  'addSecurityGroupRule',
  'removeSecurityGroupRule',
  'allocateFloatingIp',
  'associateFloatingIp',
  'disassociateFloatingIp',
  'releaseFloatingIp',
  'deleteKeyPair',
  'createInstance',
  'instanceAction',
  'rebuildInstance',
  'resizeInstance',
  'terminateInstance',
  'createVolume',
  'attachVolume',
  'detachVolume',
  'deleteVolume',
  'createBackup',
  'restoreBackup',
  'deleteBackup',
] as const satisfies readonly (keyof TenantDriver)[];

export type CloudMethod = (typeof CLOUD_METHODS)[number];

/** One change in a tenant's cloud, as a job keeps it: which driver call with which (JSON) arguments. */
export interface CloudCall {
  method: CloudMethod;
  args: unknown[];
  /** What the job's events say while it waits, e.g. `creating network web`. */
  message: string;
  /** The cloud id of the resource acted on, which the job names whatever the cloud's answer names (a rule added names the group). */
  resultId?: string | null;
  /** The input fields a driver's refusal maps to, by the spec's field (`asInputError`)… */
  fields?: Record<string, string>;
  /** …or by prefixes to strip from its path (`namingInputField`). */
  prefixes?: string[];
  /** The job's id goes into the spec (`operationId`): a retry finds what a first attempt made. */
  stampOperation?: boolean;
  /** Which argument is the spec that secrets and the operation id go into. @default 0 */
  specArg?: number;
}

const callShape = z.object({
  method: z.enum(CLOUD_METHODS),
  args: z.array(z.unknown()),
  message: z.string(),
  resultId: z.string().nullable().optional(),
  fields: z.record(z.string(), z.string()).optional(),
  prefixes: z.array(z.string()).optional(),
  stampOperation: z.boolean().optional(),
  specArg: z.number().int().min(0).max(4).optional(),
});

/** The payload of a cloud operation's job. */
export const cloudOperationPayload = z.object({
  tenancyId: z.uuid(),
  resource: z.enum(RESOURCE_KINDS),
  /** Global id of the resource acted on, when it existed before the job. */
  resourceId: z.string().nullable(),
  call: callShape,
});

export type CloudOperationPayload = z.infer<typeof cloudOperationPayload>;

/** Secret members of the call's spec (`args[specArg]`), kept sealed in the job's state, never in its payload. */
export type CloudCallSecrets = Record<string, string | null>;

/**
 * Makes the call once per job and follows it to its end: the cloud's handle is kept before the
 * wait, and the resource's global id as soon as the cloud names it. Returns the cloud id of
 * what was made or acted on.
 */
export async function performCloudCall(
  scope: TenantScope,
  payload: Omit<CloudOperationPayload, 'tenancyId'>,
  run: JobRun,
  secrets: CloudCallSecrets | null,
): Promise<string | null> {
  const { call } = payload;
  const args = [...call.args];
  const at = call.specArg ?? 0;
  // The first attempt at a job stamps what it makes; only a later one looks for what an earlier one made.
  const stamp = call.stampOperation ? { operationId: run.id, firstAttempt: run.attempt === 1 } : {};
  if (call.stampOperation || secrets) args[at] = { ...(args[at] as object), ...(secrets ?? {}), ...stamp };
  const method = scope.driver[call.method] as (...a: unknown[]) => Promise<unknown>;
  /** The global id this run recorded already (the same id is not written twice). */
  let recorded: string | null = null;
  const record = async (cloudId: string) => {
    const globalId = scope.id(payload.resource as ResourceKind, cloudId);
    if (globalId === recorded) return;
    await run.setResource(globalId);
    recorded = globalId;
  };
  const id = await run.operation(
    'call',
    scope.driver,
    async () => {
      // The step's own event, before the cloud is asked (a resumed job that asked already skips it).
      await run.progress(5, call.message);
      let answer: unknown;
      try {
        answer = await method.apply(scope.driver, args);
      } catch (err) {
        throw call.fields ? asInputError(err, call.fields) : call.prefixes ? namingInputField(err, call.prefixes) : err;
      }
      const op = asOperation(answer);
      const first = op.resource?.id ?? (op.handle.kind === 'cloudstack-job' ? op.handle.resourceId : null);
      // Recorded before the wait: a job that dies while the cloud works still names its resource.
      if (first && !payload.resourceId) await record(first);
      return op;
    },
    call.message,
  );
  if (call.resultId) return call.resultId;
  if (id && !payload.resourceId) await record(id);
  return id;
}

/** A driver's answer as an operation: an Operation as is, a resource (made at once) or nothing as done. */
function asOperation(answer: unknown): Operation<{ id?: string } | null> {
  if (answer && typeof answer === 'object' && 'handle' in answer) return answer as Operation<{ id?: string } | null>;
  const resource = answer && typeof answer === 'object' && 'id' in answer ? (answer as { id: string }) : null;
  return { handle: { kind: 'done', resourceId: resource?.id ?? null }, resource };
}

export const cloudOperationRunner = defineRunner({
  name: 'cloudOperation',
  payload: cloudOperationPayload,
  async run(ctx, payload, run, job) {
    const scope = await ctx.services.tenancies.scope(ctx.viewer!, payload.tenancyId);
    const cloudId = await performCloudCall(scope, payload, run, ctx.services.jobs.secretsOf<CloudCallSecrets>(job));
    return { cloudId };
  },
});
