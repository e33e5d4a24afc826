import { z } from 'zod';
import type { Operation } from '../../clouds/driver';
import type { JobRun } from '../../jobs/journal';
import { defineRunner } from '../../jobs/runner';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { encodeId } from '../node/global-id';
import type { TenantScope } from '../tenancy/tenancy.scope';

export interface CleanupResult {
  job: Job;
  /** Global ids of everything removed. */
  removed: string[];
}

/** One kind of resource of a tenancy, removed after the kinds before it. */
interface Step {
  what: string;
  remove(scope: TenantScope, act: Act): Promise<void>;
}

/** Follows a removal's cloud operations and reports it. */
interface Act {
  wait(op: Operation<unknown>, message: string): Promise<void>;
  done(message: string): Promise<void>;
}

/**
 * Dependency order: an address goes before the instance it points to, an instance before the
 * disks and networks it holds, disks before their backups (which outlive them in both clouds),
 * networks before the security groups and key pairs nothing uses any more.
 */
const STEPS: Step[] = [
  {
    what: 'floating IPs',
    async remove(scope, act) {
      for (const ip of await scope.loaders.allFloatingIps()) {
        if (ip.instanceId) await act.wait(await scope.driver.disassociateFloatingIp(ip.id), `disassociating floating IP ${ip.address}`);
        await act.wait(await scope.driver.releaseFloatingIp(ip.id), `releasing floating IP ${ip.address}`);
        await act.done(`released floating IP ${ip.address}`);
      }
    },
  },
  {
    what: 'instances',
    async remove(scope, act) {
      // CloudStack lists a terminated instance (DELETED) until it is expunged: it is gone already.
      for (const instance of (await scope.loaders.allInstances()).filter((i) => i.status !== 'DELETED')) {
        await act.wait(await scope.driver.terminateInstance(instance.id), `terminating instance ${instance.name}`);
        await act.done(`terminated instance ${instance.name}`);
      }
    },
  },
  {
    what: 'volumes',
    async remove(scope, act) {
      for (const volume of await scope.loaders.allVolumes()) {
        // A root disk still on its (terminated) instance goes with the instance; the cloud refuses to detach it.
        if (volume.bootable && volume.instanceId) continue;
        if (volume.instanceId) await act.wait(await scope.driver.detachVolume(volume.id), `detaching volume ${volume.name}`);
        await act.wait(await scope.driver.deleteVolume(volume.id), `deleting volume ${volume.name}`);
        await act.done(`deleted volume ${volume.name}`);
      }
    },
  },
  {
    what: 'backups',
    async remove(scope, act) {
      // Newest first: an incremental backup must go before the one it builds on.
      const backups = [...(await scope.loaders.allBackups())].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
      for (const backup of backups) {
        await act.wait(await scope.driver.deleteBackup(backup.id), `deleting backup ${backup.name}`);
        await act.done(`deleted backup ${backup.name}`);
      }
    },
  },
  {
    what: 'networks',
    async remove(scope, act) {
      // deleteNetwork removes router interfaces, ports and subnets first, and waits on CloudStack
      // for terminated instances to release their tiers, which a bare subnet delete would not.
      for (const network of await scope.loaders.allNetworks()) {
        await act.wait(await scope.driver.deleteNetwork(network.id), `deleting network ${network.name} and its subnets`);
        for (const subnetId of network.subnetIds) await act.done(`deleted subnet ${subnetId} of ${network.name}`);
        await act.done(`deleted network ${network.name}`);
      }
    },
  },
  {
    what: 'security groups',
    async remove(scope, act) {
      // The default group belongs to the tenant itself and goes when the tenant is removed.
      for (const group of (await scope.loaders.allSecurityGroups()).filter((g) => !g.isDefault)) {
        await scope.driver.deleteSecurityGroup(group.id);
        await act.done(`deleted security group ${group.name}`);
      }
    },
  },
  {
    what: 'key pairs',
    async remove(scope, act) {
      for (const key of await scope.loaders.allKeyPairs()) {
        await scope.driver.deleteKeyPair(key.name);
        await act.done(`deleted key pair ${key.name}`);
      }
    },
  },
];

/**
 * The global ids of everything a tenancy holds. Some things go with others (subnets with their
 * network, CloudStack ACL lists with their VPC and root disks with their instance), so what a
 * cleanup removed is what was there before and is not after.
 */
async function holdings(scope: TenantScope): Promise<string[]> {
  scope.loaders.clear();
  const l = scope.loaders;
  const [ips, instances, volumes, backups, networks, groups, keys] = await Promise.all([
    l.allFloatingIps(),
    l.allInstances(),
    l.allVolumes(),
    l.allBackups(),
    l.allNetworks(),
    l.allSecurityGroups(),
    l.allKeyPairs(),
  ]);
  return [
    ...ips.map((i) => scope.id('FloatingIp', i.id)),
    ...instances.filter((i) => i.status !== 'DELETED').map((i) => scope.id('Instance', i.id)),
    ...volumes.map((v) => scope.id('Volume', v.id)),
    ...backups.map((b) => scope.id('VolumeBackup', b.id)),
    ...networks.flatMap((n) => n.subnetIds.map((id) => scope.id('Subnet', id))),
    ...networks.map((n) => scope.id('Network', n.id)),
    ...groups.filter((g) => !g.isDefault).map((g) => scope.id('SecurityGroup', g.id)),
    ...keys.map((k) => scope.id('KeyPair', k.name)),
  ];
}

/** What a cleanup job keeps: the global ids of everything it removed. */
export interface CleanupJobResult {
  removed: string[];
}

/**
 * Removes everything a user has in every datacenter it is bound to (the old work order
 * cleanup `one_user`). The request checks the user and queues the job; the work is
 * `cleanupUserResourcesRunner`'s.
 */
export class CleanupService {
  constructor(private readonly ctx: Context) {}

  async cleanupUser(userGlobalId: string): Promise<CleanupResult> {
    const { ctx } = this;
    const viewer = ctx.viewer!;
    // A deleted user's resources are cleaned up too: that is when it matters most.
    const user = await ctx.services.users.get(viewer, userGlobalId);
    const spec = { kind: 'cleanupUserResources', viewer, userId: user.id, resourceId: encodeId('User', user.id) };
    const row = await ctx.services.jobs.submit({ ...spec, payload: { userId: user.id }, runner: cleanupUserResourcesRunner.name }, ctx.waitMs ?? 0);
    // Until the job has ended nothing is known to be removed.
    const removed = row.status === 'SUCCEEDED' ? ((row.result as CleanupJobResult | null)?.removed ?? []) : [];
    return { job: Job.fromRow(row), removed };
  }
}

/**
 * The cleanup of one user: one job for the user, and one per tenancy under it (run inline) so
 * the cloud's errors name their datacenter. The first step that fails ends the job FAILED with
 * the cloud's error; what was removed before stays removed, and a rerun goes on from there.
 * Resumed by another worker, a tenancy already cleaned is not gone through again, and what a
 * tenancy held is what it held when this job first looked.
 */
export const cleanupUserResourcesRunner = defineRunner({
  name: 'cleanupUserResources',
  payload: z.object({ userId: z.uuid() }),
  async run(ctx, payload, run): Promise<CleanupJobResult> {
    const viewer = ctx.viewer!;
    const user = await ctx.services.users.get(viewer, encodeId('User', payload.userId));
    const scopes = await ctx.services.tenancies.activeScopes(viewer, user.id);
    const removed: string[] = [];
    const total = scopes.length * STEPS.length;
    for (const [s, scope] of scopes.entries()) {
      const dc = scope.datacenter.shortName;
      const done = await run.once(`tenancy:${scope.tenancy.id}`, async () => {
        const { result } = await ctx.services.jobs.run({ kind: 'cleanupTenancy', viewer, ...scope.jobSpec() }, async (tenancyRun) => {
          const before = await run.once(`before:${scope.tenancy.id}`, () => holdings(scope));
          for (const [k, step] of STEPS.entries()) {
            const percent = Math.max(1, Math.min(99, Math.round(((s * STEPS.length + k) / total) * 100)));
            await run.progress(percent, `${dc}: removing ${step.what}`);
            scope.loaders.clear();
            await step.remove(scope, act(run, tenancyRun, scope, percent));
          }
          const after = new Set(await holdings(scope));
          return before.filter((id) => !after.has(id));
        });
        return result;
      });
      removed.push(...done);
    }
    return { removed };
  },
});

function act(run: JobRun, tenancyRun: JobRun, scope: TenantScope, percent: number): Act {
  return {
    async wait(op, message) {
      await tenancyRun.wait(scope.driver, op, message);
    },
    async done(message) {
      await run.progress(percent, `${scope.datacenter.shortName}: ${message}`);
    },
  };
}
