import type { VolumeStatus } from '../../clouds/driver';
import { badInput, conflict, parseInput, quotaExceeded } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { pickZone } from '../network/network.service';
import { findResource, relatedResource, runTenancyJob, tenancyInput } from '../tenancy/resource-lookup';
import type { TenantScope } from '../tenancy/tenancy.scope';
import { createVolumeRule, type CreateVolumeInput } from './volume.input';
import { Volume } from './volume.type';

/** A volume in one of these is in the middle of a change; starting another would race it. */
const BUSY: VolumeStatus[] = ['CREATING', 'ATTACHING', 'DETACHING', 'DELETING', 'BACKING_UP', 'RESTORING'];

/** Both clouds accept attachments only to instances that are up or cleanly stopped. */
const ATTACHABLE = ['RUNNING', 'STOPPED'];

/**
 * Refuses a new volume of `sizeGb` the tenancy's quota cannot hold: the cloud would refuse it
 * too, but only once the job has started, and CloudStack only half way through.
 */
export async function checkVolumeQuota(scope: TenantScope, sizeGb: number, field: string): Promise<void> {
  const { volumes, volumeGb } = await scope.loaders.quota();
  const dc = scope.datacenter.shortName;
  if (volumes.limit !== null && volumes.used + 1 > volumes.limit) {
    throw quotaExceeded(field, `The tenancy has ${volumes.used} of its ${volumes.limit} volumes in ${dc} already.`);
  }
  if (volumeGb.limit !== null && volumeGb.used + sizeGb > volumeGb.limit) {
    const left = Math.max(0, volumeGb.limit - volumeGb.used);
    throw quotaExceeded(field, `${sizeGb} GB do not fit the quota: ${left} of the tenancy’s ${volumeGb.limit} GB are left in ${dc}.`);
  }
}

/** How messages name an instance: by name, with its global id to act on. */
export async function instanceLabel(scope: TenantScope, instanceId: string): Promise<string> {
  const instance = await scope.loaders.instances.load(instanceId);
  return `instance ${instance?.name ?? instanceId} (${scope.id('Instance', instanceId)})`;
}

export class VolumeService {
  constructor(private readonly ctx: Context) {}

  async create(input: CreateVolumeInput): Promise<{ job: Job; volume: Volume | null }> {
    const v = parseInput(createVolumeRule, input);
    const { ctx } = this;
    const scope = await tenancyInput(ctx, v.tenancyId);
    const zoneId = await pickZone(ctx, scope, v.zoneId, 'input.zoneId');
    await checkVolumeQuota(scope, v.sizeGb, 'input.sizeGb');
    const spec = { name: v.name, sizeGb: v.sizeGb, type: v.type ?? null, zoneId };
    const { job, model } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'createVolume', resource: 'Volume', payload: { sizeGb: v.sizeGb, type: spec.type } },
      { method: 'createVolume', args: [spec], message: `creating volume ${v.name}` },
    );
    return { job, volume: model ? Volume.from(scope, model) : null };
  }

  async attach(id: string, instanceId: string): Promise<{ job: Job; volume: Volume | null }> {
    const { ctx } = this;
    const { scope, model } = await findResource(ctx, id, 'Volume');
    const instance = await relatedResource(ctx, scope, instanceId, 'Instance', 'instanceId');
    if (model.instanceId) {
      const where = model.instanceId === instance.id ? 'this instance' : await instanceLabel(scope, model.instanceId);
      throw conflict(`Volume ${model.name} is in use by ${where} already: detach it first.`, 'id');
    }
    if (model.status !== 'AVAILABLE') throw conflict(`Volume ${model.name} is ${model.status}: it can be attached once AVAILABLE.`, 'id');
    if (!ATTACHABLE.includes(instance.status)) {
      throw conflict(`Instance ${instance.name} is ${instance.status}: volumes attach to RUNNING or STOPPED instances.`, 'instanceId');
    }
    // CloudStack attaches only within a zone; OpenStack lets Nova and Cinder zones differ (cross_az_attach).
    if (scope.datacenter.kind === 'CLOUDSTACK' && model.zoneId && instance.zoneId && model.zoneId !== instance.zoneId) {
      throw badInput('instanceId', `is in zone ${instance.zoneId}, the volume in zone ${model.zoneId}`);
    }
    const { job, model: after } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'attachVolume', resource: 'Volume', resourceId: id, payload: { instanceId } },
      { method: 'attachVolume', args: [model.id, instance.id], message: `attaching volume ${model.name} to ${instance.name}`, resultId: model.id },
    );
    return { job, volume: after ? Volume.from(scope, after) : null };
  }

  async detach(id: string): Promise<{ job: Job; volume: Volume | null }> {
    const { ctx } = this;
    const { scope, model } = await findResource(ctx, id, 'Volume');
    if (!model.instanceId) throw conflict(`Volume ${model.name} is not attached to any instance.`, 'id');
    if (model.bootable) {
      throw conflict(`Volume ${model.name} is the system disk of ${await instanceLabel(scope, model.instanceId)}: it cannot be detached.`, 'id');
    }
    if (BUSY.includes(model.status)) throw conflict(`Volume ${model.name} is ${model.status}: try again once it is IN_USE.`, 'id');
    const { job, model: after } = await runTenancyJob(
      ctx,
      scope,
      { kind: 'detachVolume', resource: 'Volume', resourceId: id },
      { method: 'detachVolume', args: [model.id], message: `detaching volume ${model.name}`, resultId: model.id },
    );
    return { job, volume: after ? Volume.from(scope, after) : null };
  }

  async delete(id: string): Promise<{ job: Job; deletedId: string }> {
    const { ctx } = this;
    const { scope, model } = await findResource(ctx, id, 'Volume');
    if (model.instanceId) {
      throw conflict(`Volume ${model.name} is attached to ${await instanceLabel(scope, model.instanceId)}: detach it first.`, 'id');
    }
    if (BUSY.includes(model.status)) throw conflict(`Volume ${model.name} is ${model.status}: try again once it is AVAILABLE.`, 'id');
    const { job } = await runTenancyJob(ctx, scope, { kind: 'deleteVolume', resource: 'Volume', resourceId: id }, { method: 'deleteVolume', args: [model.id], message: `deleting volume ${model.name}` });
    return { job, deletedId: id };
  }
}
