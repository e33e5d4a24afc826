import {
  type CloudKind,
  type Flavor,
  type Image,
  type Instance as InstanceModel,
  type InstanceAction,
  type InstanceSpec,
  type InstanceStatus,
  type Quota,
} from '../../clouds/driver';
import { AppError, ErrorCode, badInput, conflict, parseInput } from '../../errors';
import type { Context } from '../context';
import type { Job } from '../job/job.type';
import { pickZone } from '../network/network.service';
import type { ResourceKind } from '../node/global-id';
import type { CloudCall, CloudCallSecrets } from '../tenancy/cloud-operation';
import { findResource, relatedResource, runTenancyJob, tenancyInput } from '../tenancy/resource-lookup';
import type { TenantScope } from '../tenancy/tenancy.scope';
import {
  createInstanceRule,
  instanceName,
  rebuildInstanceRule,
  resizeInstanceRule,
  type CreateInstanceInput,
  type RebuildInstanceInput,
  type ResizeInstanceInput,
} from './instance.input';
import { Instance } from './instance.type';

type Verb = 'start' | 'stop' | 'reboot' | 'hard reboot' | 'rebuild' | 'resize' | 'rename' | 'terminate';

const LIVE: InstanceStatus[] = ['BUILDING', 'RUNNING', 'STOPPED', 'REBOOTING', 'REBUILDING', 'RESIZING', 'ERROR'];

/**
 * The states each cloud accepts an action in (Nova's vm_state checks, CloudStack's state
 * checks), so a refusal is a CONFLICT naming the state rather than a cloud error after a call.
 */
const ALLOWED: Record<Verb, Record<CloudKind, InstanceStatus[]>> = {
  start: { OPENSTACK: ['STOPPED'], CLOUDSTACK: ['STOPPED'] },
  stop: { OPENSTACK: ['RUNNING', 'ERROR'], CLOUDSTACK: ['RUNNING', 'ERROR'] },
  reboot: { OPENSTACK: ['RUNNING'], CLOUDSTACK: ['RUNNING'] },
  'hard reboot': { OPENSTACK: ['RUNNING', 'STOPPED', 'ERROR'], CLOUDSTACK: ['RUNNING'] },
  rebuild: { OPENSTACK: ['RUNNING', 'STOPPED', 'ERROR'], CLOUDSTACK: ['RUNNING', 'STOPPED'] },
  resize: { OPENSTACK: ['RUNNING', 'STOPPED'], CLOUDSTACK: ['STOPPED'] },
  rename: { OPENSTACK: LIVE, CLOUDSTACK: LIVE },
  terminate: { OPENSTACK: LIVE, CLOUDSTACK: ['RUNNING', 'STOPPED', 'ERROR'] },
};

/** CONFLICT when the instance's state does not allow `verb` in its cloud. */
function requireState(scope: TenantScope, model: InstanceModel, verb: Verb): void {
  // A state the driver could not map is left to the cloud to judge.
  if (model.status === 'UNKNOWN') return;
  const allowed = ALLOWED[verb][scope.cloud.kind];
  if (allowed.includes(model.status)) return;
  const hint = verb === 'resize' && scope.cloud.kind === 'CLOUDSTACK' && model.status === 'RUNNING' ? ' CloudStack resizes stopped instances only: stop it first.' : '';
  throw conflict(`Cannot ${verb} instance ${model.name}: it is ${model.status} (${verb} needs ${allowed.join(' or ')}).${hint}`);
}

async function findImage(ctx: Context, scope: TenantScope, imageId: string, field: string): Promise<Image> {
  const images = await ctx.services.catalog.images(scope.datacenter, scope.driver);
  const image = images.find((i) => i.id === imageId);
  if (!image) throw badInput(field, `no image ${imageId} in ${scope.datacenter.shortName} (Datacenter.images lists them)`);
  if (image.status !== 'ACTIVE') throw badInput(field, `the image ${image.name} is ${image.status}; only ACTIVE images boot`);
  return image;
}

const describeFlavor = (f: Flavor) => `${f.name} (${f.cpu} vCPU, ${f.memoryMb} MB)`;

/** How far a flavor is from a size, counting a doubling of either as one step. */
const distance = (f: Flavor, cpu: number, memoryMb: number) =>
  Math.abs(Math.log2(Math.max(f.cpu, 1) / cpu)) + Math.abs(Math.log2(Math.max(f.memoryMb, 1) / memoryMb));

interface SizeRequest {
  flavorId?: string | null;
  cpu?: number | null;
  memoryMb?: number | null;
}

/**
 * The flavor a request names: by id, or the one of exactly that cpu and memory (of several,
 * one whose disk holds `minDiskGb`, smallest disk first). `field` is the input field that
 * chose it, for the errors that follow.
 */
async function pickFlavor(ctx: Context, scope: TenantScope, v: SizeRequest, argument: string, minDiskGb = 0): Promise<{ flavor: Flavor; field: string }> {
  const flavors = await ctx.services.catalog.flavors(scope.datacenter, scope.driver);
  if (v.flavorId) {
    const field = `${argument}.flavorId`;
    const flavor = flavors.find((f) => f.id === v.flavorId) ?? flavors.find((f) => f.name === v.flavorId);
    if (!flavor) throw badInput(field, `no flavor ${v.flavorId} in ${scope.datacenter.shortName} (Datacenter.flavors lists them)`);
    return { flavor, field };
  }
  const cpu = v.cpu!;
  const memoryMb = v.memoryMb!;
  const field = `${argument}.cpu`;
  const exact = flavors
    .filter((f) => f.cpu === cpu && f.memoryMb === memoryMb)
    .sort((a, b) => fits(b, minDiskGb) - fits(a, minDiskGb) || a.diskGb - b.diskGb || a.name.localeCompare(b.name));
  if (exact.length) return { flavor: exact[0], field };
  const nearest = [...flavors].sort((a, b) => distance(a, cpu, memoryMb) - distance(b, cpu, memoryMb) || a.cpu - b.cpu || a.memoryMb - b.memoryMb).slice(0, 3);
  throw badInput(
    field,
    `no flavor of ${cpu} vCPU and ${memoryMb} MB in ${scope.datacenter.shortName}; nearest: ${nearest.map(describeFlavor).join(', ') || 'none'}`,
  );
}

/** 1 when the flavor's disk holds the image (0 GB = the image decides). */
const fits = (f: Flavor, minDiskGb: number) => (f.diskGb === 0 || f.diskGb >= minDiskGb ? 1 : 0);

interface Need {
  instances: number;
  cpu: number;
  memoryMb: number;
}

/** QUOTA_EXCEEDED naming the field, with the numbers, when the tenancy cannot take `need` more. */
function checkQuota(quota: Quota, need: Need, fields: Record<keyof Need, string>): void {
  const items: [keyof Need, string][] = [
    ['instances', 'instances'],
    ['cpu', 'vCPU'],
    ['memoryMb', 'MB of memory'],
  ];
  for (const [key, unit] of items) {
    const { limit, used } = quota[key];
    if (need[key] <= 0 || limit === null || used + need[key] <= limit) continue;
    const field = fields[key];
    const left = Math.max(0, limit - used);
    throw new AppError(ErrorCode.QUOTA_EXCEEDED, `${field}: needs ${need[key]} ${unit}; the tenancy uses ${used} of ${limit}, ${left} left.`, {
      field,
      fields: [{ field, message: `needs ${need[key]} ${unit}, ${left} left of ${limit}` }],
    });
  }
}

export class InstanceService {
  constructor(private readonly ctx: Context) {}

  /**
   * Everything is checked before the cloud is called: the tenancy, the resources named (same
   * tenancy), the image, the flavor, the disk and the quota. The job id is the operation id,
   * so a retried create finds the instance the first attempt made.
   */
  async create(input: CreateInstanceInput): Promise<{ job: Job; instance: Instance | null }> {
    const { ctx } = this;
    const v = parseInput(createInstanceRule, input);
    const scope = await tenancyInput(ctx, v.tenancyId);
    const kind = scope.cloud.kind;

    const related = <K extends ResourceKind>(id: string, resource: K, field: string) => relatedResource(ctx, scope, id, resource, field);
    const network = await related(v.networkId, 'Network', 'input.networkId');
    const subnets = await scope.loaders.subnetsOfNetwork.load(network.id);
    let subnet = subnets.find((s) => s.id === network.subnetIds[0]) ?? subnets[0];
    if (v.subnetId) {
      subnet = await related(v.subnetId, 'Subnet', 'input.subnetId');
      if (subnet.networkId !== network.id) throw badInput('input.subnetId', `is not a subnet of the network ${network.name}`);
      // Nova places a server on networks; Neutron then takes its address from any of the network's subnets.
      if (kind === 'OPENSTACK' && subnets.length > 1) {
        throw badInput('input.subnetId', `OpenStack places an instance on a network, not a subnet, and ${network.name} has ${subnets.length} subnets: leave subnetId out`);
      }
    }
    if (!subnet) throw badInput('input.networkId', `the network ${network.name} has no subnet to take an address from`);
    const securityGroups = await Promise.all((v.securityGroupIds ?? []).map((id, i) => related(id, 'SecurityGroup', `input.securityGroupIds.${i}`)));
    const keyPair = v.keyPairId ? await related(v.keyPairId, 'KeyPair', 'input.keyPairId') : null;

    let zoneId: string | null;
    if (v.zoneId) {
      zoneId = await pickZone(ctx, scope, v.zoneId, 'input.zoneId');
      if (network.zoneId && zoneId !== network.zoneId) throw badInput('input.zoneId', `the network ${network.name} is in zone ${network.zoneId}`);
    } else {
      zoneId = network.zoneId ?? (await pickZone(ctx, scope, null, 'input.zoneId'));
    }

    const image = await findImage(ctx, scope, v.imageId, 'input.imageId');
    const { flavor, field: sizeField } = await pickFlavor(ctx, scope, v, 'input', image.minDiskGb);
    if (v.rootDiskGb != null) {
      if (v.rootDiskGb < image.minDiskGb) throw badInput('input.rootDiskGb', `the image ${image.name} needs a root disk of at least ${image.minDiskGb} GB`);
    } else if (!fits(flavor, image.minDiskGb)) {
      throw badInput(
        sizeField,
        `the flavor ${flavor.name} has a ${flavor.diskGb} GB disk and the image ${image.name} needs ${image.minDiskGb} GB: choose a larger flavor or give rootDiskGb`,
      );
    }

    const fromFlavor = sizeField === 'input.flavorId';
    checkQuota(
      await scope.loaders.quota(),
      { instances: 1, cpu: flavor.cpu, memoryMb: flavor.memoryMb },
      { instances: 'input.tenancyId', cpu: fromFlavor ? sizeField : 'input.cpu', memoryMb: fromFlavor ? sizeField : 'input.memoryMb' },
    );

    const specFields = {
      name: 'input.name',
      imageId: 'input.imageId',
      flavorId: sizeField,
      zoneId: 'input.zoneId',
      networkIds: 'input.networkId',
      securityGroupIds: 'input.securityGroupIds',
      keyPairName: 'input.keyPairId',
      rootDiskGb: 'input.rootDiskGb',
    };
    const payload = { name: v.name, imageId: image.id, flavorId: flavor.id, networkId: v.networkId, zoneId };
    const call: CloudCall = {
      method: 'createInstance',
      args: [
        {
          name: v.name,
          imageId: image.id,
          flavorId: flavor.id,
          zoneId,
          networkIds: kind === 'OPENSTACK' ? [network.id] : [subnet.id],
          securityGroupIds: securityGroups.map((g) => g.id),
          keyPairName: keyPair?.name ?? null,
          rootDiskGb: v.rootDiskGb ?? null,
        } satisfies Omit<InstanceSpec, 'adminPassword' | 'operationId'>,
      ],
      message: `creating instance ${v.name}`,
      fields: specFields,
      // The job id is the operation id: a retried create finds the instance a first attempt made.
      stampOperation: true,
    };
    const { job, model } = await runTenancyJob(ctx, scope, { kind: 'createInstance', resource: 'Instance', payload }, call, v.adminPassword ? { adminPassword: v.adminPassword } : null);
    return { job, instance: model ? Instance.from(scope, model) : null };
  }

  start(id: string) {
    return this.act(id, 'startInstance', 'start', 'START');
  }

  stop(id: string) {
    return this.act(id, 'stopInstance', 'stop', 'STOP');
  }

  reboot(id: string, hard: boolean) {
    return hard ? this.act(id, 'rebootInstance', 'hard reboot', 'HARD_REBOOT') : this.act(id, 'rebootInstance', 'reboot', 'REBOOT');
  }

  /** A new root disk from the image; the image must be ACTIVE and fit the instance's flavor disk. */
  async rebuild(id: string, input: RebuildInstanceInput): Promise<{ job: Job; instance: Instance | null }> {
    const { ctx } = this;
    const v = parseInput(rebuildInstanceRule, input);
    const { scope, model } = await findResource(ctx, id, 'Instance');
    const image = await findImage(ctx, scope, v.imageId, 'input.imageId');
    const flavor = (await ctx.services.catalog.flavors(scope.datacenter, scope.driver)).find((f) => f.id === model.flavorId);
    // An instance booted from a volume has no image root disk for the flavor to size.
    if (flavor && model.imageId && !fits(flavor, image.minDiskGb)) {
      throw badInput('input.imageId', `the image ${image.name} needs ${image.minDiskGb} GB and the flavor ${flavor.name} has a ${flavor.diskGb} GB disk`);
    }
    requireState(scope, model, 'rebuild');
    return this.job(
      scope,
      model,
      id,
      'rebuildInstance',
      {
        method: 'rebuildInstance',
        args: [model.id, { imageId: image.id, name: v.name ?? null }],
        specArg: 1,
        message: `rebuilding instance ${model.name}`,
        fields: { imageId: 'input.imageId', name: 'input.name' },
      },
      v.adminPassword ? { adminPassword: v.adminPassword } : null,
    );
  }

  /** To another flavor (same matching as create), within the quota; the current flavor is refused. */
  async resize(id: string, input: ResizeInstanceInput): Promise<{ job: Job; instance: Instance | null }> {
    const { ctx } = this;
    const v = parseInput(resizeInstanceRule, input);
    const { scope, model } = await findResource(ctx, id, 'Instance');
    const flavors = await ctx.services.catalog.flavors(scope.datacenter, scope.driver);
    const current = flavors.find((f) => f.id === model.flavorId) ?? null;
    const { flavor, field } = await pickFlavor(ctx, scope, v, 'input');
    if (flavor.id === model.flavorId) throw badInput(field, `the instance has the flavor ${describeFlavor(flavor)} already`);
    // Nova cannot shrink an image-backed root disk, nor give it to a flavor that leaves the size to the image.
    if (scope.cloud.kind === 'OPENSTACK' && model.imageId && current && current.diskGb > 0 && flavor.diskGb < current.diskGb) {
      throw badInput(field, `the flavor ${flavor.name} has a ${flavor.diskGb} GB disk, smaller than the instance's ${current.diskGb} GB: disks do not shrink`);
    }
    requireState(scope, model, 'resize');
    const fromFlavor = field === 'input.flavorId';
    checkQuota(
      await scope.loaders.quota(),
      { instances: 0, cpu: flavor.cpu - model.cpu, memoryMb: flavor.memoryMb - model.memoryMb },
      { instances: field, cpu: fromFlavor ? field : 'input.cpu', memoryMb: fromFlavor ? field : 'input.memoryMb' },
    );
    return this.job(scope, model, id, 'resizeInstance', { method: 'resizeInstance', args: [model.id, flavor.id], message: `resizing instance ${model.name} to ${flavor.name}` });
  }

  async rename(id: string, newName: string): Promise<Instance> {
    const name = parseInput(instanceName(), newName, 'name');
    const { scope, model } = await findResource(this.ctx, id, 'Instance');
    requireState(scope, model, 'rename');
    const renamed = await scope.driver.renameInstance(model.id, name);
    scope.loaders.clear();
    return Instance.from(scope, renamed);
  }

  async terminate(id: string): Promise<{ job: Job; deletedId: string }> {
    const { scope, model } = await findResource(this.ctx, id, 'Instance');
    requireState(scope, model, 'terminate');
    const { job } = await runTenancyJob(
      this.ctx,
      scope,
      { kind: 'terminateInstance', resource: 'Instance', resourceId: id },
      { method: 'terminateInstance', args: [model.id], message: `terminating instance ${model.name}` },
    );
    return { job, deletedId: id };
  }

  private async act(id: string, kind: string, verb: Verb, action: InstanceAction): Promise<{ job: Job; instance: Instance | null }> {
    const { scope, model } = await findResource(this.ctx, id, 'Instance');
    requireState(scope, model, verb);
    return this.job(scope, model, id, kind, { method: 'instanceAction', args: [model.id, action], message: `${verb} of instance ${model.name}` });
  }

  /** Runs one operation on an existing instance as a job and reads the instance back. */
  private async job(
    scope: TenantScope,
    model: InstanceModel,
    id: string,
    kind: string,
    call: Omit<CloudCall, 'resultId'>,
    secrets: CloudCallSecrets | null = null,
  ): Promise<{ job: Job; instance: Instance | null }> {
    const { job, model: after } = await runTenancyJob(this.ctx, scope, { kind, resource: 'Instance', resourceId: id }, { ...call, resultId: model.id }, secrets);
    return { job, instance: after ? Instance.from(scope, after) : null };
  }
}
