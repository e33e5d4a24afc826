import type { SimRequest, SimResponse } from '../common';
import { faultError, isoNow, json, limitParam, nextLink, page, route, str, wrapped, type Route } from './http';
import { imageVisible } from './glance';
import { DURATIONS, uuid, type Backup, type OpenStackState, type RequestContext, type Volume, type VolumeType } from './state';

/*
 * Cinder v3 under `/volume/v3/{project_id}`: volumes and backups with their status machines,
 * volume types, limits. Invalid states are 400 (not 409) and quota is 413, as in Cinder.
 */

const MIN = 0;
const MAX = 71;
const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];
const VOLUME_FILTERS = new Set(['name', 'status', 'metadata', 'bootable', 'migration_status', 'availability_zone', 'group_id', 'size', 'created_at', 'updated_at', 'consumes_quota']);
const BACKUP_FILTERS = new Set(['name', 'status', 'volume_id']);
const PAGING = new Set(['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count', 'all_tenants', 'project_id']);

export function defaultVolumeType(state: OpenStackState): VolumeType {
  return [...state.volumeTypes.values()].find((t) => t.name === '__DEFAULT__')!;
}

export function bootstrapVolumeTypes(state: OpenStackState): void {
  for (const [name, description] of [
    ['__DEFAULT__', 'Default Volume Type'],
    ['SSD', 'Solid-state disks'],
    ['SATA', 'Capacity disks'],
  ] as const) {
    const id = uuid();
    state.volumeTypes.set(id, { id, name, description, isPublic: true, extraSpecs: { volume_backend_name: name.toLowerCase() } });
  }
}

export function volumeUsage(state: OpenStackState, projectId: string) {
  const volumes = [...state.volumes.values()].filter((v) => v.projectId === projectId);
  const backups = [...state.backups.values()].filter((b) => b.projectId === projectId);
  return {
    volumes: volumes.length,
    gigabytes: volumes.reduce((acc, v) => acc + v.size, 0),
    backups: backups.length,
    backupGigabytes: backups.reduce((acc, b) => acc + b.size, 0),
  };
}

/** Cinder's 413 for a volume that does not fit the project's limits, or null. */
export function volumeQuotaError(state: OpenStackState, projectId: string, size: number): SimResponse | null {
  const q = state.quotas(projectId);
  const used = volumeUsage(state, projectId);
  if (used.volumes + 1 > q.volumes) return faultError(413, `VolumeLimitExceeded: Maximum number of volumes allowed (${q.volumes}) exceeded for quota 'volumes'.`);
  if (used.gigabytes + size > q.gigabytes) {
    return faultError(
      413,
      `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${size}G, quota is ${q.gigabytes}G and ${used.gigabytes}G has been consumed.`,
    );
  }
  return null;
}

export function newVolume(state: OpenStackState, spec: Partial<Volume> & Pick<Volume, 'projectId' | 'userId' | 'size'>): Volume {
  const now = isoNow();
  const volume: Volume = {
    id: uuid(),
    name: '',
    description: null,
    status: 'creating',
    typeId: defaultVolumeType(state).id,
    az: 'nova',
    bootable: false,
    attachments: [],
    metadata: {},
    snapshotId: null,
    sourceVolid: null,
    createdAt: now,
    updatedAt: now,
    ...spec,
  };
  state.volumes.set(volume.id, volume);
  return volume;
}

export function cinderRoutes(state: OpenStackState): Route[] {
  const base = '/volume/v3/:projectId';
  const r = (method: string, path: string, op: string, handle: (req: SimRequest, ctx: RequestContext, p: Record<string, string>, mv: number) => SimResponse) =>
    route('cinder', method, `${base}${path}`, op, (req, ctx, params) => {
      const mv = microversion(req);
      if (mv === null) return faultError(400, 'Invalid API version request.');
      if (mv < MIN || mv > MAX) return faultError(406, `Version 3.${mv} is not supported by the API. Minimum is 3.${MIN} and maximum is 3.${MAX}.`);
      const headers = { 'openstack-api-version': `volume 3.${mv}`, vary: 'OpenStack-API-Version' };
      // Cinder refuses a URL whose project is not the token's.
      const res = !ctx.isAdmin && params.projectId !== ctx.projectId ? faultError(400, 'Malformed request url') : handle(req, ctx, params, mv);
      return { ...res, headers: { ...res.headers, ...headers } };
    });
  const visibleVolume = (ctx: RequestContext, id: string) => {
    const v = state.volumes.get(id);
    return v && (ctx.isAdmin || v.projectId === ctx.projectId) ? v : undefined;
  };
  const visibleBackup = (ctx: RequestContext, id: string) => {
    const b = state.backups.get(id);
    return b && (ctx.isAdmin || b.projectId === ctx.projectId) ? b : undefined;
  };
  const volumeNotFound = (id: string) => faultError(404, `Volume ${id} could not be found.`);
  const backupNotFound = (id: string) => faultError(404, `Backup ${id} could not be found.`);

  const volumeView = (v: Volume, mv: number) => {
    const type = state.volumeTypes.get(v.typeId);
    const view: Record<string, unknown> = {
      id: v.id,
      name: v.name,
      description: v.description,
      size: v.size,
      status: v.status,
      volume_type: type?.name ?? null,
      availability_zone: v.az,
      bootable: String(v.bootable),
      encrypted: false,
      multiattach: false,
      attachments: v.attachments.map((a) => ({
        id: v.id,
        attachment_id: a.id,
        volume_id: v.id,
        server_id: a.serverId,
        host_name: null,
        device: a.device,
        attached_at: a.attachedAt,
      })),
      created_at: v.createdAt,
      updated_at: v.updatedAt,
      snapshot_id: v.snapshotId,
      source_volid: v.sourceVolid,
      metadata: v.metadata,
      user_id: v.userId,
      'os-vol-tenant-attr:tenant_id': v.projectId,
      replication_status: null,
      consistencygroup_id: null,
      migration_status: null,
      links: [{ rel: 'self', href: `${state.baseUrl}/volume/v3/${v.projectId}/volumes/${v.id}` }],
    };
    if (mv >= 63) view.volume_type_id = v.typeId;
    if (mv >= 65) view.consumes_quota = true;
    return view;
  };
  const backupView = (b: Backup) => ({
    id: b.id,
    name: b.name,
    description: b.description,
    volume_id: b.volumeId,
    status: b.status,
    size: b.size,
    object_count: 0,
    is_incremental: b.incremental,
    has_dependent_backups: [...state.backups.values()].some((x) => x.incremental && x.volumeId === b.volumeId && x.createdAt >= b.createdAt && x.id !== b.id),
    fail_reason: b.failReason,
    availability_zone: b.az,
    container: 'volumebackups',
    snapshot_id: null,
    data_timestamp: b.createdAt,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    links: [{ rel: 'self', href: `${state.baseUrl}/volume/v3/${b.projectId}/backups/${b.id}` }],
  });
  const typeView = (t: VolumeType, ctx: RequestContext) => ({
    id: t.id,
    name: t.name,
    description: t.description,
    is_public: t.isPublic,
    'os-volume-type-access:is_public': t.isPublic,
    qos_specs_id: null,
    ...(ctx.isAdmin ? { extra_specs: t.extraSpecs } : {}),
  });

  function list<T extends { id: string }>(req: SimRequest, mv: number, plural: string, items: T[], filters: Set<string>, view: (x: T) => unknown, fields: (x: T) => Record<string, unknown>) {
    const q = req.url.searchParams;
    for (const key of new Set(q.keys())) {
      if (PAGING.has(key)) continue;
      if (!filters.has(key)) {
        // Before 3.31 Cinder ignored filters it did not know.
        if (mv < 31) continue;
        return faultError(400, `Invalid input received: Invalid filters ${key} are found in query options.`);
      }
      const wanted = q.get(key)!;
      items = items.filter((x) => String(fields(x)[key]) === wanted);
    }
    const limit = limitParam(req.url, state.maxLimit, state.maxLimit);
    if (limit === null) return faultError(400, 'limit param must be an integer');
    const offset = Number(q.get('offset') ?? 0);
    const p = page(items.slice(offset), limit || state.maxLimit, q.get('marker'));
    const body: Record<string, unknown> = { [plural]: p.items.map(view) };
    if (p.more && p.last) body[`${plural}_links`] = [nextLink(state.baseUrl, req.url, p.last, limit || state.maxLimit)];
    if (q.has('with_count')) body.count = items.length;
    return json(200, body);
  }
  const ownVolumes = (ctx: RequestContext) => [...state.volumes.values()].filter((v) => v.projectId === ctx.projectId).reverse();
  const ownBackups = (ctx: RequestContext) => [...state.backups.values()].filter((b) => b.projectId === ctx.projectId).reverse();
  const volumeFields = (v: Volume) => ({ name: v.name, status: v.status, bootable: String(v.bootable), availability_zone: v.az, size: v.size });

  return [
    r('GET', '/volumes', 'cinder.volumes.list', (req, ctx, _p, mv) =>
      list(req, mv, 'volumes', ownVolumes(ctx), VOLUME_FILTERS, (v) => ({ id: v.id, name: v.name, links: [] }), volumeFields),
    ),
    r('GET', '/volumes/detail', 'cinder.volumes.detail', (req, ctx, _p, mv) => list(req, mv, 'volumes', ownVolumes(ctx), VOLUME_FILTERS, (v) => volumeView(v, mv), volumeFields)),
    r('GET', '/volumes/:id', 'cinder.volumes.show', (_req, ctx, { id }, mv) => {
      const v = visibleVolume(ctx, id);
      return v ? json(200, { volume: volumeView(v, mv) }) : volumeNotFound(id);
    }),
    r('POST', '/volumes', 'cinder.volumes.create', (req, ctx, _p, mv) => {
      const body = wrapped(req, 'volume');
      if (!body) return faultError(400, "Missing required element 'volume' in request body.");
      const size = Number(body.size);
      if (!Number.isInteger(size) || size < 1) return faultError(400, `Invalid input for field/attribute size. Value: ${String(body.size)}. ${String(body.size)} is not of type 'integer'`);
      let typeId = defaultVolumeType(state).id;
      if (body.volume_type !== undefined && body.volume_type !== null) {
        const t = [...state.volumeTypes.values()].find((x) => x.name === body.volume_type || x.id === body.volume_type);
        if (!t) return faultError(404, `Volume type with name ${String(body.volume_type)} could not be found.`);
        typeId = t.id;
      }
      const az = str(body.availability_zone) ?? 'nova';
      if (!state.zones.includes(az)) return faultError(400, `Invalid input received: Availability zone '${az}' is invalid.`);
      const imageRef = str(body.imageRef);
      if (imageRef) {
        const image = state.images.get(imageRef);
        if (!image || !imageVisible(ctx, image)) return faultError(400, `Invalid image identifier or unable to access requested image.`);
      }
      const quota = volumeQuotaError(state, ctx.projectId, size);
      if (quota) return quota;
      const volume = newVolume(state, {
        projectId: ctx.projectId,
        userId: ctx.userId,
        size,
        name: str(body.name) ?? '',
        description: str(body.description) ?? null,
        typeId,
        az,
        bootable: !!imageRef,
        metadata: (body.metadata as Record<string, string> | undefined) ?? {},
      });
      state.schedule(DURATIONS.volumeCreate, () => {
        if (volume.status === 'creating') volume.status = volume.name.toLowerCase().startsWith('broken') ? 'error' : 'available';
        volume.updatedAt = isoNow();
      });
      return json(202, { volume: volumeView(volume, mv) });
    }),
    r('PUT', '/volumes/:id', 'cinder.volumes.update', (req, ctx, { id }, mv) => {
      const v = visibleVolume(ctx, id);
      if (!v) return volumeNotFound(id);
      const body = wrapped(req, 'volume');
      if (!body) return faultError(400, "Missing required element 'volume' in request body.");
      if (typeof body.name === 'string') v.name = body.name;
      if ('description' in body) v.description = str(body.description) ?? null;
      if (body.metadata && typeof body.metadata === 'object') v.metadata = body.metadata as Record<string, string>;
      v.updatedAt = isoNow();
      return json(200, { volume: volumeView(v, mv) });
    }),
    r('DELETE', '/volumes/:id', 'cinder.volumes.delete', (_req, ctx, { id }) => {
      const v = visibleVolume(ctx, id);
      if (!v) return volumeNotFound(id);
      if (!DELETABLE.includes(v.status) || v.attachments.length) {
        return faultError(
          400,
          'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.',
        );
      }
      v.status = 'deleting';
      state.schedule(DURATIONS.volumeDelete, () => state.volumes.delete(v.id));
      return json(202);
    }),

    r('GET', '/backups', 'cinder.backups.list', (req, ctx, _p, mv) =>
      list(req, mv, 'backups', ownBackups(ctx), BACKUP_FILTERS, (b) => ({ id: b.id, name: b.name, links: [] }), (b) => ({ name: b.name, status: b.status, volume_id: b.volumeId })),
    ),
    r('GET', '/backups/detail', 'cinder.backups.detail', (req, ctx, _p, mv) =>
      list(req, mv, 'backups', ownBackups(ctx), BACKUP_FILTERS, backupView, (b) => ({ name: b.name, status: b.status, volume_id: b.volumeId })),
    ),
    r('GET', '/backups/:id', 'cinder.backups.show', (_req, ctx, { id }) => {
      const b = visibleBackup(ctx, id);
      return b ? json(200, { backup: backupView(b) }) : backupNotFound(id);
    }),
    r('POST', '/backups', 'cinder.backups.create', (req, ctx) => {
      const body = wrapped(req, 'backup');
      const volumeId = str(body?.volume_id);
      if (!body || !volumeId) return faultError(400, "Invalid input for field/attribute backup. 'volume_id' is a required property");
      const v = visibleVolume(ctx, volumeId);
      if (!v) return volumeNotFound(volumeId);
      const force = body.force === true;
      if (v.status === 'in-use' && !force) return faultError(400, 'Invalid volume: Volume to be backed up must be available but the current status is "in-use".');
      if (v.status !== 'available' && v.status !== 'in-use') {
        return faultError(400, `Invalid volume: Volume to be backed up must be available or in-use, but the current status is "${v.status}".`);
      }
      const incremental = body.incremental === true;
      if (incremental && ![...state.backups.values()].some((b) => b.volumeId === v.id && b.status === 'available')) {
        return faultError(400, 'Invalid backup: No backups available to do an incremental backup.');
      }
      const q = state.quotas(ctx.projectId);
      const used = volumeUsage(state, ctx.projectId);
      if (used.backups + 1 > q.backups) return faultError(413, `BackupLimitExceeded: Maximum number of backups allowed (${q.backups}) exceeded`);
      if (used.backupGigabytes + v.size > q.backupGigabytes) {
        return faultError(413, `VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested ${v.size}G, quota is ${q.backupGigabytes}G and ${used.backupGigabytes}G has been consumed.`);
      }
      const now = isoNow();
      const backup: Backup = {
        id: uuid(),
        name: str(body.name) ?? '',
        projectId: ctx.projectId,
        description: str(body.description) ?? null,
        volumeId: v.id,
        status: 'creating',
        size: v.size,
        az: v.az,
        incremental,
        failReason: null,
        createdAt: now,
        updatedAt: now,
      };
      state.backups.set(backup.id, backup);
      const previous = v.status;
      v.status = 'backing-up';
      state.schedule(DURATIONS.backupCreate, () => {
        if (v.status === 'backing-up') v.status = previous;
        backup.status = 'available';
        backup.updatedAt = isoNow();
      });
      return json(202, { backup: { id: backup.id, name: backup.name, links: backupView(backup).links } });
    }),
    r('DELETE', '/backups/:id', 'cinder.backups.delete', (_req, ctx, { id }) => {
      const b = visibleBackup(ctx, id);
      if (!b) return backupNotFound(id);
      if (b.status !== 'available' && b.status !== 'error') return faultError(400, 'Invalid backup: Backup status must be available or error');
      if (backupView(b).has_dependent_backups) return faultError(400, 'Invalid backup: Incremental backups exist for this backup.');
      b.status = 'deleting';
      state.schedule(DURATIONS.backupDelete, () => state.backups.delete(b.id));
      return json(202);
    }),
    r('POST', '/backups/:id/restore', 'cinder.backups.restore', (req, ctx, { id }) => {
      const b = visibleBackup(ctx, id);
      if (!b) return backupNotFound(id);
      const body = wrapped(req, 'restore') ?? {};
      if (b.status !== 'available') return faultError(400, 'Invalid backup: Backup status must be available');
      let target: Volume;
      const volumeId = str(body.volume_id);
      if (volumeId) {
        const v = visibleVolume(ctx, volumeId);
        if (!v) return volumeNotFound(volumeId);
        if (v.status !== 'available') return faultError(400, `Invalid volume: Volume to be restored to must be available`);
        if (v.size < b.size) return faultError(400, `Invalid volume: volume size ${v.size} is smaller than backup size ${b.size}.`);
        target = v;
      } else {
        const quota = volumeQuotaError(state, ctx.projectId, b.size);
        if (quota) return quota;
        target = newVolume(state, { projectId: ctx.projectId, userId: ctx.userId, size: b.size, name: str(body.name) ?? `restore_backup_${b.id}`, az: b.az });
      }
      target.status = 'restoring-backup';
      b.status = 'restoring';
      state.schedule(DURATIONS.backupRestore, () => {
        if (target.status === 'restoring-backup') target.status = 'available';
        if (b.status === 'restoring') b.status = 'available';
      });
      return json(202, { restore: { backup_id: b.id, volume_id: target.id, volume_name: target.name } });
    }),

    r('GET', '/types', 'cinder.types.list', (_req, ctx) => json(200, { volume_types: [...state.volumeTypes.values()].map((t) => typeView(t, ctx)) })),
    r('GET', '/types/default', 'cinder.types.default', (_req, ctx) => json(200, { volume_type: typeView(defaultVolumeType(state), ctx) })),
    r('GET', '/types/:id', 'cinder.types.show', (_req, ctx, { id }) => {
      const t = state.volumeTypes.get(id);
      return t ? json(200, { volume_type: typeView(t, ctx) }) : faultError(404, `Volume type ${id} could not be found.`);
    }),
    r('GET', '/limits', 'cinder.limits.show', (_req, ctx) => {
      const q = state.quotas(ctx.projectId);
      const u = volumeUsage(state, ctx.projectId);
      return json(200, {
        limits: {
          rate: [],
          absolute: {
            maxTotalVolumes: q.volumes,
            maxTotalVolumeGigabytes: q.gigabytes,
            maxTotalSnapshots: 10,
            maxTotalBackups: q.backups,
            maxTotalBackupGigabytes: q.backupGigabytes,
            totalVolumesUsed: u.volumes,
            totalGigabytesUsed: u.gigabytes,
            totalSnapshotsUsed: 0,
            totalBackupsUsed: u.backups,
            totalBackupGigabytesUsed: u.backupGigabytes,
          },
        },
      });
    }),
    r('GET', '/os-availability-zone', 'cinder.availability_zones.list', () =>
      json(200, { availabilityZoneInfo: state.zones.map((zoneName) => ({ zoneName, zoneState: { available: true } })) }),
    ),
  ];
}

function microversion(req: SimRequest): number | null {
  const raw = req.headers['openstack-api-version'];
  const header = Array.isArray(raw) ? raw.join(',') : raw;
  if (!header) return 0;
  for (const part of header.split(',')) {
    const [service, version] = part.trim().split(/\s+/);
    if (service?.toLowerCase() !== 'volume') continue;
    if (version === 'latest') return MAX;
    const m = /^3\.(\d+)$/.exec(version ?? '');
    return m ? Number(m[1]) : null;
  }
  return 0;
}
