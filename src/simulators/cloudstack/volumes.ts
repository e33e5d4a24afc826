import { idFilter } from './catalog';
import { asyncAnswer, type Commands, type Ctx } from './context';
import { paramError } from './envelope';
import { csDate, GiB, uuid, type Snapshot, type Volume } from './state';
import { dropTags, tagsOf } from './tags';

/* Volumes, disk offerings' use, and snapshots as volume backups (reference §6 "Volumes…"). */

export function volumeRecord(ctx: Ctx, spec: Omit<Volume, 'id' | 'created'>): Volume {
  const volume: Volume = { id: uuid(), created: ctx.sim.clock.now(), ...spec };
  ctx.state.volumes.set(volume.id, volume);
  return volume;
}

export function removeVolume(ctx: Ctx, volume: Volume): void {
  ctx.state.volumes.delete(volume.id);
  dropTags(ctx.state, volume.id);
}

export function volumeView(ctx: Ctx, v: Volume) {
  const account = ctx.state.accounts.get(v.accountId);
  const vm = v.vmId ? ctx.state.vms.get(v.vmId) : undefined;
  const offering = v.diskOfferingId ? ctx.state.diskOfferings.get(v.diskOfferingId) : undefined;
  const job = ctx.sim.jobs.pendingOn(v.id);
  return {
    id: v.id,
    name: v.name,
    type: v.type,
    size: v.sizeBytes,
    state: v.state,
    zoneid: v.zoneId,
    zonename: ctx.state.zones.get(v.zoneId)?.name,
    virtualmachineid: vm?.id,
    vmname: vm?.name,
    vmdisplayname: vm?.displayname,
    vmstate: vm?.state,
    deviceid: v.deviceId ?? undefined,
    diskofferingid: offering?.id,
    diskofferingname: offering?.name,
    storagetype: offering?.storagetype ?? 'shared',
    account: account?.name,
    domainid: account?.domainId,
    created: csDate(v.created),
    attached: vm ? csDate(v.created) : undefined,
    destroyed: v.state === 'Destroy',
    tags: tagsOf(ctx, v.id),
    jobid: job?.id,
    jobstatus: job ? 0 : undefined,
  };
}

function snapshotView(ctx: Ctx, s: Snapshot) {
  const account = ctx.state.accounts.get(s.accountId);
  return {
    id: s.id,
    name: s.name,
    volumeid: s.volumeId,
    volumename: s.volumeName,
    volumetype: s.volumeType,
    state: s.state,
    snapshottype: 'MANUAL',
    intervaltype: 'MANUAL',
    created: csDate(s.created),
    physicalsize: Math.round(s.sizeBytes * 0.4),
    virtualsize: s.sizeBytes,
    zoneid: s.zoneId,
    account: account?.name,
    domainid: account?.domainId,
    revertable: false,
    tags: tagsOf(ctx, s.id),
  };
}

function job(ctx: Ctx, cmd: string, instanceType: string, instanceId: string, steps: { begin?: () => void; finish: () => Record<string, unknown> }) {
  return ctx.submit({ cmd: `org.apache.cloudstack.api.command.user.${cmd}`, instanceType, instanceId, durationMs: ctx.sim.settings.jobMs.short, ...steps });
}

export const volumeCommands: Commands = {
  createVolume: {
    handler: (ctx) => {
      const owner = ctx.owner();
      const snapshotId = ctx.p.str('snapshotid');
      const offeringId = ctx.p.str('diskofferingid');
      const size = ctx.p.int('size');
      const vmId = ctx.p.str('virtualmachineid');
      let zoneId: string;
      let sizeBytes: number;
      let diskOfferingId: string | null = null;
      let snapshot: Snapshot | undefined;
      if (snapshotId) {
        snapshot = ctx.find(ctx.state.snapshots, snapshotId, 'snapshotid');
        if (snapshot.state !== 'BackedUp') throw paramError(`Snapshot ${snapshot.id} is not in BackedUp state yet and can't be used for volume creation`);
        zoneId = snapshot.zoneId;
        sizeBytes = snapshot.sizeBytes;
        diskOfferingId = ctx.state.volumes.get(snapshot.volumeId)?.diskOfferingId ?? null;
      } else {
        if (!offeringId) throw paramError('Either disk offering id or snapshot id must be passed whilst creating volume');
        const offering = ctx.state.diskOfferings.get(offeringId);
        if (!offering) throw ctx.invalidId('diskofferingid', offeringId);
        zoneId = ctx.p.required('zoneid');
        if (!ctx.state.zones.has(zoneId)) throw ctx.invalidId('zoneid', zoneId);
        if (offering.iscustomized) {
          if (size === undefined) throw paramError('This disk offering requires a custom size specified');
          if (size < 1 || size > 1024) throw paramError(`Invalid disk size ${size}: it must be between 1 and 1024 GB`);
          sizeBytes = size * GiB;
        } else {
          if (size !== undefined && size !== offering.disksize) throw paramError('This disk offering does not allow custom size');
          sizeBytes = offering.disksize * GiB;
        }
        diskOfferingId = offering.id;
      }
      const vm = vmId ? ctx.find(ctx.state.vms, vmId, 'virtualmachineid') : undefined;
      ctx.sim.checkLimit(owner, 'volume', 1);
      ctx.sim.checkLimit(owner, 'primarystorage', Math.ceil(sizeBytes / GiB));
      const volume = volumeRecord(ctx, {
        name: ctx.p.str('name') ?? `DATA-${ctx.state.volumes.size + 1}`,
        accountId: owner.id,
        zoneId,
        type: 'DATADISK',
        sizeBytes,
        diskOfferingId,
        state: snapshot ? 'Creating' : 'Allocated',
        vmId: null,
        deviceId: null,
      });
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.volume.CreateVolumeCmd',
        instanceType: 'Volume',
        instanceId: volume.id,
        accountId: owner.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          // A blank data disk stays Allocated until first attached; one made from a snapshot is written out at once.
          volume.state = snapshot ? 'Ready' : 'Allocated';
          if (vm) attach(ctx, volume, vm.id);
          return { volume: volumeView(ctx, volume) };
        },
      });
      return asyncAnswer(jobid, volume.id);
    },
  },

  listVolumes: {
    handler: (ctx) => {
      const match = idFilter(ctx, true);
      const name = ctx.p.str('name');
      const vmId = ctx.p.str('virtualmachineid');
      const type = ctx.p.str('type');
      const zoneId = ctx.p.str('zoneid');
      const volumes = [...ctx.state.volumes.values()].filter(
        (v) =>
          ctx.inScope(v.accountId) &&
          v.state !== 'Destroy' &&
          match(v.id) &&
          (!name || v.name === name) &&
          (!vmId || v.vmId === vmId) &&
          (!type || v.type === type.toUpperCase()) &&
          (!zoneId || v.zoneId === zoneId),
      );
      return ctx.list('volume', volumes.map((v) => volumeView(ctx, v)));
    },
  },

  attachVolume: {
    handler: (ctx) => {
      const volume = ctx.find(ctx.state.volumes, ctx.p.required('id'), 'id');
      const vm = ctx.find(ctx.state.vms, ctx.p.required('virtualmachineid'), 'virtualmachineid');
      const jobid = job(ctx, 'volume.AttachVolumeCmd', 'Volume', volume.id, {
        begin: () => {
          if (volume.type !== 'DATADISK') throw paramError('Please specify a volume with the valid type: DATADISK');
          if (volume.vmId) throw paramError(`Volume ${volume.name} is already attached to a VM`);
          if (!['Allocated', 'Ready'].includes(volume.state)) throw paramError(`Volume ${volume.name} is not in Allocated or Ready state: ${volume.state}`);
          if (!['Running', 'Stopped'].includes(vm.state)) throw paramError(`Please specify a VM that is either running or stopped; VM ${vm.id} is ${vm.state}`);
          if (vm.zoneId !== volume.zoneId) throw paramError('The VM and the volume must be in the same zone');
        },
        finish: () => {
          attach(ctx, volume, vm.id);
          return { volume: volumeView(ctx, volume) };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  detachVolume: {
    handler: (ctx) => {
      const volume = ctx.find(ctx.state.volumes, ctx.p.required('id'), 'id');
      const jobid = job(ctx, 'volume.DetachVolumeCmd', 'Volume', volume.id, {
        begin: () => {
          if (volume.type === 'ROOT') throw paramError('Please specify a data volume: root volumes cannot be detached');
          if (!volume.vmId) throw paramError('Please specify a volume that is attached to a VM');
        },
        finish: () => {
          volume.vmId = null;
          volume.deviceId = null;
          return { volume: volumeView(ctx, volume) };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  deleteVolume: {
    handler: (ctx) => {
      const volume = ctx.find(ctx.state.volumes, ctx.p.required('id'), 'id');
      if (volume.vmId) throw paramError('Please specify a volume that is not attached to any VM.');
      if (ctx.sim.jobs.pendingOn(volume.id)) throw paramError(`Volume ${volume.name} has a job in progress; try again later`);
      removeVolume(ctx, volume);
      return { success: true };
    },
  },

  createSnapshot: {
    handler: (ctx) => {
      const volume = ctx.find(ctx.state.volumes, ctx.p.required('volumeid'), 'volumeid');
      if (volume.state !== 'Ready') throw paramError(`VolumeId: ${volume.id} is not in Ready state but ${volume.state}. Cannot take snapshot.`);
      const owner = ctx.state.accounts.get(volume.accountId)!;
      ctx.sim.checkLimit(owner, 'snapshot', 1);
      ctx.sim.checkLimit(owner, 'secondarystorage', Math.ceil(volume.sizeBytes / GiB));
      const vm = volume.vmId ? ctx.state.vms.get(volume.vmId) : undefined;
      const stamp = new Date(ctx.sim.clock.now()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
      const snapshot: Snapshot = {
        id: uuid(),
        name: ctx.p.str('name') ?? `${vm ? `${vm.name}_` : ''}${volume.name}_${stamp}`,
        accountId: volume.accountId,
        volumeId: volume.id,
        volumeName: volume.name,
        volumeType: volume.type,
        sizeBytes: volume.sizeBytes,
        zoneId: volume.zoneId,
        state: 'BackingUp',
        created: ctx.sim.clock.now(),
      };
      ctx.state.snapshots.set(snapshot.id, snapshot);
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.user.snapshot.CreateSnapshotCmd',
        instanceType: 'Snapshot',
        instanceId: snapshot.id,
        accountId: owner.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          snapshot.state = 'BackedUp';
          return { snapshot: snapshotView(ctx, snapshot) };
        },
      });
      return asyncAnswer(jobid, snapshot.id);
    },
  },

  listSnapshots: {
    handler: (ctx) => {
      const match = idFilter(ctx, true);
      const volumeId = ctx.p.str('volumeid');
      const name = ctx.p.str('name');
      const snapshots = [...ctx.state.snapshots.values()].filter(
        (s) => ctx.inScope(s.accountId) && match(s.id) && (!volumeId || s.volumeId === volumeId) && (!name || s.name === name),
      );
      return ctx.list('snapshot', snapshots.map((s) => snapshotView(ctx, s)));
    },
  },

  deleteSnapshot: {
    handler: (ctx) => {
      const snapshot = ctx.find(ctx.state.snapshots, ctx.p.required('id'), 'id');
      const jobid = job(ctx, 'snapshot.DeleteSnapshotCmd', 'Snapshot', snapshot.id, {
        begin: () => {
          if (snapshot.state !== 'BackedUp' && snapshot.state !== 'Error') throw paramError(`Can't delete snapshot ${snapshot.id} in state ${snapshot.state}`);
          snapshot.state = 'Destroying';
        },
        finish: () => {
          ctx.state.snapshots.delete(snapshot.id);
          dropTags(ctx.state, snapshot.id);
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },
};

export function attach(ctx: Ctx, volume: Volume, vmId: string): void {
  const used = new Set([...ctx.state.volumes.values()].filter((v) => v.vmId === vmId).map((v) => v.deviceId));
  let device = 1;
  while (used.has(device) || device === 3) device++; // device 3 is the CD-ROM
  volume.vmId = vmId;
  volume.deviceId = device;
  volume.state = 'Ready';
}
