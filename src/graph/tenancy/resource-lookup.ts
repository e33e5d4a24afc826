import { AppError, badInput, conflict, notFound } from '../../errors';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { cloudOperationRunner, performCloudCall, type CloudCall, type CloudCallSecrets } from './cloud-operation';
import type { ResourceKind } from '../node/global-id';
import type { Lookup, TenancyLoaders } from './tenancy.loaders';
import type { TenantScope } from './tenancy.scope';

/** Which loader finds a kind by its cloud id. */
const LOADERS = {
  Network: (l) => l.networks,
  Subnet: (l) => l.subnets,
  Instance: (l) => l.instances,
  Volume: (l) => l.volumes,
  VolumeBackup: (l) => l.backups,
  FloatingIp: (l) => l.floatingIps,
  SecurityGroup: (l) => l.securityGroups,
  KeyPair: (l) => l.keyPairs,
} satisfies Record<ResourceKind, (l: TenancyLoaders) => Lookup<unknown>>;

type ModelOf<K extends ResourceKind> = NonNullable<Awaited<ReturnType<ReturnType<(typeof LOADERS)[K]>['load']>>>;

const LABELS: Record<ResourceKind, string> = {
  Network: 'Network',
  Subnet: 'Subnet',
  Instance: 'Instance',
  Volume: 'Volume',
  VolumeBackup: 'Backup',
  FloatingIp: 'Floating IP',
  SecurityGroup: 'Security group',
  KeyPair: 'Key pair',
};

/**
 * A resource by its global id, as the viewer may reach it: the id's tenancy must be the
 * viewer's (admins: anyone's), and the tenant's own credentials must see it in the cloud.
 * Anything else — a malformed id, another kind, another tenant's resource, one gone — is
 * NOT_FOUND, so ids cannot be probed.
 */
export async function findResource<K extends ResourceKind>(
  ctx: Context,
  id: string,
  kind: K,
  argument?: string,
): Promise<{ scope: TenantScope; model: ModelOf<K> }> {
  const label = LABELS[kind];
  const { scope, cloudId } = await ctx.services.tenancies.resource(ctx.viewer!, id, kind, label).catch((err: unknown) => {
    if (argument && err instanceof AppError) Object.assign(err.details, { field: argument });
    throw err;
  });
  const model = (await LOADERS[kind](scope.loaders).load(cloudId)) as ModelOf<K> | null;
  if (!model) {
    const err = notFound(label);
    if (argument) Object.assign(err.details, { field: argument });
    throw err;
  }
  return { scope, model };
}

export interface TenancyJob<K extends ResourceKind> {
  /** The operation, e.g. `createInstance`. */
  kind: string;
  /** The kind of resource the work makes or acts on. */
  resource: K;
  /** Global id of the resource acted on, when it exists already. */
  resourceId?: string | null;
  payload?: Record<string, unknown>;
}

/**
 * A change in a tenancy's cloud as a job. From a request: the job is written and queued, and
 * the payload comes back at once with the job QUEUED — unless the caller asked to wait
 * (`Prefer: wait=N`), then with the job as it ended (a failure or cancellation is the mutation's error).
 * Inside another job (a work order, a cleanup): run now, as a step of it. The resource comes
 * back as the cloud has it now: what the job made or acted on (null until known, or once gone).
 */
export async function runTenancyJob<K extends ResourceKind>(
  ctx: Context,
  scope: TenantScope,
  spec: TenancyJob<K>,
  call: CloudCall,
  secrets: CloudCallSecrets | null = null,
): Promise<{ job: Job; model: ModelOf<K> | null }> {
  const operation = { resource: spec.resource, resourceId: spec.resourceId ?? null, call };
  const base = { kind: spec.kind, viewer: ctx.viewer!, ...scope.jobSpec(), resourceId: spec.resourceId ?? null };
  let job: Job;
  let cloudId: string | null;
  if (ctx.job) {
    ({ job, result: cloudId } = await ctx.services.jobs.run({ ...base, payload: spec.payload }, (run) => performCloudCall(scope, operation, run, secrets)));
  } else {
    const row = await ctx.services.jobs.submit(
      { ...base, runner: cloudOperationRunner.name, payload: { tenancyId: scope.tenancy.id, ...operation }, secrets: secrets ?? undefined },
      ctx.waitMs ?? 0,
    );
    job = Job.fromRow(row);
    cloudId = row.status === 'SUCCEEDED' ? ((row.result as { cloudId?: string | null } | null)?.cloudId ?? null) : (call.resultId ?? null);
  }
  scope.loaders.clear();
  const model = cloudId ? ((await LOADERS[spec.resource](scope.loaders).load(cloudId)) as ModelOf<K> | null) : null;
  return { job, model };
}

/** The scope of a tenancy named by an input field; errors (NOT_FOUND, CONFLICT when not ACTIVE) name the field. */
export async function tenancyInput(ctx: Context, tenancyId: string, field = 'input.tenancyId'): Promise<TenantScope> {
  let scope: TenantScope;
  try {
    scope = await ctx.services.tenancies.scopeOf(ctx.viewer!, tenancyId);
  } catch (err) {
    if (err instanceof AppError) Object.assign(err.details, { field });
    throw err;
  }
  if (scope.datacenter.state !== 'ENABLED') {
    throw conflict(`${scope.datacenter.name} is DISABLED: it takes no new resources.`, field);
  }
  return scope;
}

/**
 * A resource named by an input beside another of `scope`'s tenancy: another tenant's id is
 * NOT_FOUND, one of the viewer's own in another tenancy is BAD_USER_INPUT, both naming `field`.
 */
export async function relatedResource<K extends ResourceKind>(
  ctx: Context,
  scope: TenantScope,
  id: string,
  kind: K,
  field: string,
): Promise<ModelOf<K>> {
  const found = await findResource(ctx, id, kind, field);
  if (found.scope.tenancy.id !== scope.tenancy.id) {
    throw badInput(field, `belongs to another tenancy (${found.scope.datacenter.shortName}): it must be a ${LABELS[kind].toLowerCase()} of the same tenancy (${scope.datacenter.shortName})`);
  }
  return found.model;
}
