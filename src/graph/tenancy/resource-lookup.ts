import type DataLoader from 'dataloader';
import { notFound } from '../../errors';
import type { Context } from '../context';
import type { ResourceKind } from '../node/global-id';
import type { TenancyLoaders } from './tenancy.loaders';
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
} satisfies Record<ResourceKind, (l: TenancyLoaders) => DataLoader<string, unknown>>;

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
  const { scope, cloudId } = await ctx.services.tenancies.resource(ctx.viewer!, id, kind, label);
  const model = (await LOADERS[kind](scope.loaders).load(cloudId)) as ModelOf<K> | null;
  if (!model) {
    const err = notFound(label);
    if (argument) Object.assign(err.details, { field: argument });
    throw err;
  }
  return { scope, model };
}
