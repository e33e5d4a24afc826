import type { BackupSpec, BackupStatus, ChildFilter, Operation, OperationHandle, Volume, VolumeBackup, VolumeSpec, VolumeStatus } from '../driver';
import { conflict, nullIfEmpty, query, readOnce, type Ctx } from './context';

/*
 * Cinder volumes and backups at microversion 3.60. Cinder has no id filter for tenants, so
 * lists read the project's detail list (every page) and filter locally. Attach and detach go
 * through Nova, as in OpenStack itself.
 */

interface WireVolume {
  id: string;
  name: string | null;
  size: number;
  status: string;
  volume_type: string | null;
  availability_zone: string | null;
  bootable: string | boolean;
  attachments: { server_id: string }[];
}

interface WireBackup {
  id: string;
  name: string | null;
  description: string | null;
  volume_id: string;
  status: string;
  size: number | null;
  created_at: string | null;
}

const VOLUME_STATUS: Record<string, VolumeStatus> = {
  creating: 'CREATING',
  downloading: 'CREATING',
  available: 'AVAILABLE',
  reserved: 'ATTACHING',
  attaching: 'ATTACHING',
  'in-use': 'IN_USE',
  detaching: 'DETACHING',
  deleting: 'DELETING',
  'backing-up': 'BACKING_UP',
  'restoring-backup': 'RESTORING',
};

/** Busy states the model has no word for (extending, retyping, uploading…) read as what the volume is otherwise. */
export function volumeStatus(v: Pick<WireVolume, 'status' | 'attachments'>): VolumeStatus {
  if (v.status.startsWith('error')) return 'ERROR';
  return VOLUME_STATUS[v.status] ?? (v.attachments?.length ? 'IN_USE' : 'AVAILABLE');
}

function toVolume(v: WireVolume): Volume {
  return {
    id: v.id,
    name: v.name ?? '',
    sizeGb: v.size,
    type: v.volume_type ?? null,
    status: volumeStatus(v),
    instanceId: v.attachments?.[0]?.server_id ?? null,
    zoneId: v.availability_zone ?? null,
    bootable: v.bootable === true || v.bootable === 'true',
  };
}

const BACKUP_STATUS: Record<string, BackupStatus> = {
  creating: 'CREATING',
  available: 'AVAILABLE',
  restoring: 'RESTORING',
  deleting: 'DELETING',
};

function toBackup(b: WireBackup): VolumeBackup {
  return {
    id: b.id,
    volumeId: b.volume_id,
    name: b.name ?? '',
    description: nullIfEmpty(b.description),
    status: BACKUP_STATUS[b.status] ?? 'ERROR',
    sizeGb: b.size ?? null,
    createdAt: b.created_at ?? null,
  };
}

const volumeHandle = (id: string, success: string[], failure: string[]): OperationHandle => ({ kind: 'openstack-status', resource: 'volume', id, success, failure });
const backupHandle = (id: string, success: string[], failure: string[]): OperationHandle => ({ kind: 'openstack-status', resource: 'backup', id, success, failure });

/** 1 call (+ pages) for any number of ids or instances. */
export async function listVolumes(ctx: Ctx, filter: ChildFilter = {}): Promise<Volume[]> {
  if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
  const volumes = await readOnce(ctx, 'volumes', () =>
    ctx.session.collect<WireVolume>('volume', { operation: 'cinder.volumes.detail', method: 'GET', path: '/volumes/detail', what: 'Listing volumes' }, 'volumes'),
  );
  const ids = filter.ids && new Set(filter.ids);
  const parents = filter.parentIds && new Set(filter.parentIds);
  return volumes
    .filter((v) => !ids || ids.has(v.id))
    .filter((v) => !parents || v.attachments?.some((a) => parents.has(a.server_id)))
    .map(toVolume);
}

async function showVolume(ctx: Ctx, id: string, what: string): Promise<WireVolume> {
  const { body } = await ctx.session.call<{ volume: WireVolume }>('volume', { operation: 'cinder.volumes.show', method: 'GET', path: `/volumes/${encodeURIComponent(id)}`, what });
  return body.volume;
}

export async function createVolume(ctx: Ctx, spec: VolumeSpec): Promise<Operation<Volume>> {
  const volume: Record<string, unknown> = { size: spec.sizeGb, name: spec.name };
  if (spec.type) volume.volume_type = spec.type;
  if (spec.zoneId) volume.availability_zone = spec.zoneId;
  const { body } = await ctx.session.call<{ volume: WireVolume }>('volume', {
    operation: 'cinder.volumes.create',
    method: 'POST',
    path: '/volumes',
    body: { volume },
    what: `Creating volume "${spec.name}"`,
  });
  return { handle: volumeHandle(body.volume.id, ['available'], ['error']), resource: toVolume(body.volume) };
}

/** Through Nova (os-volume_attachments): 1 call. */
export async function attachVolume(ctx: Ctx, id: string, instanceId: string): Promise<Operation<Volume>> {
  await ctx.session.call('compute', {
    operation: 'nova.volume_attachments.create',
    method: 'POST',
    path: `/servers/${encodeURIComponent(instanceId)}/os-volume_attachments`,
    body: { volumeAttachment: { volumeId: id } },
    what: `Attaching volume ${id} to instance ${instanceId}`,
  });
  // Nova marks the volume attaching before it answers: back to available means the attach was rolled back.
  return { handle: volumeHandle(id, ['in-use'], ['error', 'error_attaching', 'available']), resource: null };
}

/** The attachment's server comes from the volume: 2 calls. */
export async function detachVolume(ctx: Ctx, id: string): Promise<Operation<Volume>> {
  const what = `Detaching volume ${id}`;
  const volume = await showVolume(ctx, id, what);
  const serverId = volume.attachments?.[0]?.server_id;
  if (!serverId) throw conflict(ctx, `${what}: it is not attached to any instance.`);
  await ctx.session.call('compute', {
    operation: 'nova.volume_attachments.delete',
    method: 'DELETE',
    path: `/servers/${encodeURIComponent(serverId)}/os-volume_attachments/${encodeURIComponent(id)}`,
    what,
  });
  // Likewise detaching is set before the answer: back to in-use means the detach failed.
  return { handle: volumeHandle(id, ['available'], ['error', 'error_detaching', 'in-use']), resource: { ...toVolume(volume), status: 'DETACHING' } };
}

export async function deleteVolume(ctx: Ctx, id: string): Promise<Operation<null>> {
  await ctx.session.call('volume', { operation: 'cinder.volumes.delete', method: 'DELETE', path: `/volumes/${encodeURIComponent(id)}`, what: `Deleting volume ${id}` });
  return { handle: volumeHandle(id, ['DELETED'], ['error_deleting']), resource: null };
}

/** 1 call (+ pages): the project's backups, filtered locally by id and volume. */
export async function listBackups(ctx: Ctx, filter: ChildFilter = {}): Promise<VolumeBackup[]> {
  if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
  // One volume: Cinder filters by volume_id itself; several, or in a snapshot: one list for all, filtered here.
  const params = filter.parentIds?.length === 1 && !ctx.reads ? { volume_id: filter.parentIds[0] } : {};
  const backups = await readOnce(ctx, params.volume_id ? null : 'backups', () =>
    ctx.session.collect<WireBackup>(
      'volume',
      { operation: 'cinder.backups.detail', method: 'GET', path: '/backups/detail', query: query(params), what: 'Listing volume backups' },
      'backups',
    ),
  );
  const ids = filter.ids && new Set(filter.ids);
  const parents = filter.parentIds && new Set(filter.parentIds);
  return backups
    .filter((b) => !ids || ids.has(b.id))
    .filter((b) => !parents || parents.has(b.volume_id))
    .map(toBackup);
}

/** `force` lets a system disk in use be backed up, as the platform always allowed. 1 call. */
export async function createBackup(ctx: Ctx, spec: BackupSpec): Promise<Operation<VolumeBackup>> {
  const { body } = await ctx.session.call<{ backup: { id: string; name: string | null } }>('volume', {
    operation: 'cinder.backups.create',
    method: 'POST',
    path: '/backups',
    body: { backup: { volume_id: spec.volumeId, name: spec.name, description: spec.description ?? null, incremental: false, force: true } },
    what: `Backing up volume ${spec.volumeId}`,
  });
  return {
    handle: backupHandle(body.backup.id, ['available'], ['error']),
    resource: { id: body.backup.id, volumeId: spec.volumeId, name: body.backup.name ?? spec.name, description: spec.description ?? null, status: 'CREATING', sizeGb: null, createdAt: null },
  };
}

/** Into a new volume: 2 calls (restore, then the new volume as first seen). */
export async function restoreBackup(ctx: Ctx, id: string, spec: { name?: string | null } = {}): Promise<Operation<Volume>> {
  const what = `Restoring backup ${id}`;
  const { body } = await ctx.session.call<{ restore: { volume_id: string } }>('volume', {
    operation: 'cinder.backups.restore',
    method: 'POST',
    path: `/backups/${encodeURIComponent(id)}/restore`,
    body: { restore: spec.name ? { name: spec.name } : {} },
    what,
  });
  const volume = await showVolume(ctx, body.restore.volume_id, what);
  return { handle: volumeHandle(volume.id, ['available'], ['error', 'error_restoring']), resource: toVolume(volume) };
}

export async function deleteBackup(ctx: Ctx, id: string): Promise<Operation<null>> {
  await ctx.session.call('volume', { operation: 'cinder.backups.delete', method: 'DELETE', path: `/backups/${encodeURIComponent(id)}`, what: `Deleting backup ${id}` });
  return { handle: backupHandle(id, ['DELETED'], ['error_deleting', 'error']), resource: null };
}

/** Cinder /limits: 1 call. */
export async function volumeLimits(ctx: Ctx) {
  const { body } = await ctx.session.call<{ limits: { absolute: Record<string, number> } }>('volume', {
    operation: 'cinder.limits.show',
    method: 'GET',
    path: '/limits',
    what: 'Reading volume limits',
  });
  return body.limits.absolute;
}
