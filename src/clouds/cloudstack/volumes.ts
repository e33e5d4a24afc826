import type { BackupSpec, ChildFilter, Operation, Volume, VolumeBackup, VolumeSpec } from '../driver';
import { pick, type Offerings } from './catalog';
import type { CloudStackClient } from './client';
import { TAG, toBackup, toVolume } from './mappers';
import { badInput, doneOperation, jobOperation } from './results';
import type { CsSnapshot, CsVolume } from './wire';

/**
 * Volumes (sizes: bytes on the wire, GiB in the model; type = disk offering name) and their
 * backups, which are CloudStack snapshots; a restore is a new volume made from the snapshot.
 */
export class VolumeArea {
  constructor(
    private readonly client: CloudStackClient,
    private readonly offerings: Offerings,
  ) {}

  private get dc() {
    return this.client.datacenter;
  }

  /** listVolumes: 1 call (all ids in one), else 1 (by `virtualmachineid` when one instance is asked for, outside a snapshot); + pages. */
  async list(filter: ChildFilter = {}): Promise<Volume[]> {
    if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
    const scope = this.client.narrow(filter.parentIds?.length === 1 ? { virtualmachineid: filter.parentIds[0] } : {});
    let volumes = filter.ids
      ? await this.client.listByIds<CsVolume>('listVolumes', scope, 'volume', filter.ids)
      : await this.client.list<CsVolume>('listVolumes', scope, 'volume');
    if (filter.parentIds) {
      const parents = new Set(filter.parentIds);
      volumes = volumes.filter((v) => v.virtualmachineid && parents.has(v.virtualmachineid));
    }
    return volumes.map(toVolume);
  }

  /**
   * createVolume: 1 call (+ disk offerings and zone on a cold cache). The type names a disk
   * offering (SSD, SATA…); custom-size offerings take the size, fixed ones must match it.
   */
  async create(spec: VolumeSpec): Promise<Operation<Volume>> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    if (!Number.isInteger(spec.sizeGb) || spec.sizeGb < 1) throw badInput(this.dc, 'sizeGb', 'must be a whole number of GB, at least 1');
    const offerings = await this.offerings.diskOfferings();
    const wanted = spec.type?.toLowerCase();
    const offering = wanted
      ? offerings.find((o) => o.name.toLowerCase() === wanted)
      : (offerings.find((o) => o.iscustomized && o.name.toLowerCase() === 'custom') ?? offerings.find((o) => o.iscustomized));
    if (!offering) throw badInput(this.dc, 'type', `no such disk type; the datacenter offers ${offerings.map((o) => o.name).join(', ')}`);
    if (!offering.iscustomized && offering.disksize !== spec.sizeGb) throw badInput(this.dc, 'sizeGb', `the ${offering.name} type comes in ${offering.disksize} GB only`);
    const params: Record<string, string> = { name: spec.name, zoneid: await this.offerings.zoneId(spec.zoneId), diskofferingid: offering.id };
    if (offering.iscustomized) params.size = String(spec.sizeGb);
    const created = await this.client.start('createVolume', params, `create volume ${spec.name}`);
    return jobOperation<Volume>(created, created.id ?? null);
  }

  /** attachVolume: 1 call; its job is the operation. */
  async attach(id: string, instanceId: string): Promise<Operation<Volume>> {
    return jobOperation<Volume>(await this.client.start('attachVolume', { id, virtualmachineid: instanceId }), id);
  }

  /** detachVolume: 1 call; its job is the operation. */
  async detach(id: string): Promise<Operation<Volume>> {
    return jobOperation<Volume>(await this.client.start('detachVolume', { id }), id);
  }

  /** deleteVolume: 1 call, synchronous; the volume must be detached. */
  async delete(id: string): Promise<Operation<null>> {
    await this.client.call('deleteVolume', { id });
    return doneOperation<null>(id, null);
  }

  /** listSnapshots: 1 call (all ids in one), else 1 (by `volumeid` when one volume is asked for, outside a snapshot); + pages. */
  async listBackups(filter: ChildFilter = {}): Promise<VolumeBackup[]> {
    if ((filter.ids && !filter.ids.length) || (filter.parentIds && !filter.parentIds.length)) return [];
    const scope = this.client.narrow(filter.parentIds?.length === 1 ? { volumeid: filter.parentIds[0] } : {});
    let snapshots = filter.ids
      ? await this.client.listByIds<CsSnapshot>('listSnapshots', scope, 'snapshot', filter.ids)
      : await this.client.list<CsSnapshot>('listSnapshots', scope, 'snapshot');
    if (filter.parentIds) {
      const parents = new Set(filter.parentIds);
      snapshots = snapshots.filter((s) => parents.has(s.volumeid));
    }
    return pick(snapshots, filter.ids).map(toBackup);
  }

  /** createSnapshot (1); with a description also createTags (1) and its job, since snapshots have no description field. */
  async createBackup(spec: BackupSpec): Promise<Operation<VolumeBackup>> {
    if (!spec.name.trim()) throw badInput(this.dc, 'name', 'must not be empty');
    const created = await this.client.start('createSnapshot', { volumeid: spec.volumeId, name: spec.name }, `back up volume ${spec.volumeId}`);
    if (spec.description && created.id) {
      const tag = await this.client.start('createTags', {
        resourceids: created.id,
        resourcetype: 'Snapshot',
        'tags[0].key': TAG.description,
        'tags[0].value': spec.description,
      });
      await this.client.wait(tag.jobid, 'createTags', `record the description of backup ${created.id}`);
    }
    return jobOperation<VolumeBackup>(created, created.id ?? null);
  }

  /** createVolume from the snapshot: 1 call; the new volume's id is the resource. */
  async restoreBackup(id: string, spec: { name?: string | null } = {}): Promise<Operation<Volume>> {
    const created = await this.client.start('createVolume', { snapshotid: id, name: spec.name || `restore-${id.slice(0, 8)}` }, `restore backup ${id}`);
    return jobOperation<Volume>(created, created.id ?? null);
  }

  /** deleteSnapshot: 1 call; its job is the operation. */
  async deleteBackup(id: string): Promise<Operation<null>> {
    return jobOperation<null>(await this.client.start('deleteSnapshot', { id }), id);
  }
}
