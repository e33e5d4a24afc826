import { bootInstance, CLOUDS, unique, useCloudGateway, type Booted, type Cloud, type Tenant } from '../support/cloud';

const f = useCloudGateway();

const VOLUME = 'id cloudId name sizeGb type status bootable zoneId zone { id } instance { id name } backups { totalCount nodes { id name } }';

async function readVolume(id: string, token = f.alice.token) {
  return (await f.ok(`query($id: ID!) { node(id: $id) { ... on Volume { ${VOLUME} } } }`, { id }, token)).node;
}

async function createVolume(tenant: Tenant, cloud: Cloud, extra: Record<string, unknown> = {}) {
  const res = await f.ok(
    `mutation($input: CreateVolumeInput!) { createVolume(input: $input) { job { id kind status progress resourceId } volume { ${VOLUME} } } }`,
    { input: { tenancyId: tenant.tenancy[cloud], name: unique('vol'), sizeGb: 2, type: 'SSD', ...extra } },
    tenant.token,
  );
  return res.createVolume;
}

async function tenancyVolumes(tenant: Tenant, cloud: Cloud): Promise<{ id: string; name: string; status: string }[]> {
  const res = await f.ok(`query($t: ID!) { node(id: $t) { ... on Tenancy { volumes(first: 100) { nodes { id name status } } } } }`, { t: tenant.tenancy[cloud] }, tenant.token);
  return res.node.volumes.nodes;
}

async function tenancyBackups(tenant: Tenant, cloud: Cloud): Promise<{ id: string; name: string }[]> {
  const res = await f.ok(`query($t: ID!) { node(id: $t) { ... on Tenancy { backups(first: 100) { nodes { id name } } } } }`, { t: tenant.tenancy[cloud] }, tenant.token);
  return res.node.backups.nodes;
}

/** Calls of a simulator that change something: none may follow a refused mutation. */
const WRITES = /create|attach|detach|delete|restore|associate|snapshot|deploy/i;
async function writes(cloud: Cloud): Promise<string[]> {
  const { operations } = await f.stats(cloud);
  return Object.keys(operations).filter((op) => WRITES.test(op) && !/tokens/.test(op));
}

async function failure(query: string, variables: Record<string, unknown>, token: string) {
  const res = await f.gw.gql(query, variables, { token });
  expect(res.errors?.length).toBe(1);
  return res.errors![0];
}

const ATTACH = `mutation($id: ID!, $instanceId: ID!) { attachVolume(id: $id, instanceId: $instanceId) { job { kind status resourceId } volume { ${VOLUME} } } }`;
const DETACH = `mutation($id: ID!) { detachVolume(id: $id) { job { kind status } volume { ${VOLUME} } } }`;
const DELETE = 'mutation($id: ID!) { deleteVolume(id: $id) { deletedId job { kind status } } }';
const BACKUP = `mutation($input: CreateBackupInput!) { createBackup(input: $input) {
  job { kind status resourceId } backup { id name description status sizeGb createdAt volume { id name } } } }`;
const RESTORE = `mutation($id: ID!, $name: String) { restoreBackup(id: $id, name: $name) { job { kind status resourceId } volume { ${VOLUME} } } }`;
const DELETE_BACKUP = 'mutation($id: ID!) { deleteBackup(id: $id) { deletedId job { kind status } } }';
const INSTANCE_VOLUMES = 'query($id: ID!) { node(id: $id) { ... on Instance { name volumes { id name bootable status instance { id } } } } }';

const instances = {} as Record<Cloud, Booted>;

beforeAll(async () => {
  for (const cloud of CLOUDS) instances[cloud] = await bootInstance(f, f.alice, cloud, { rootDiskGb: cloud === 'OPENSTACK' ? 10 : undefined });
}, 120_000);

describe.each(CLOUDS)('volumes on %s', (cloud) => {
  it('creates a volume, attaches it, reads it nested both ways, detaches and deletes it', async () => {
    const instance = instances[cloud];
    const { job, volume } = await createVolume(f.alice, cloud, { sizeGb: 3, type: 'sata' });
    expect(job).toMatchObject({ kind: 'createVolume', status: 'SUCCEEDED', progress: 100, resourceId: volume.id });
    expect(volume).toMatchObject({ sizeGb: 3, type: 'SATA', status: 'AVAILABLE', bootable: false, instance: null, backups: { totalCount: 0 } });
    expect(volume.zone?.id).toBe(volume.zoneId);
    expect((await tenancyVolumes(f.alice, cloud)).map((v) => v.id)).toContain(volume.id);

    const attached = (await f.ok(ATTACH, { id: volume.id, instanceId: instance.id }, f.alice.token)).attachVolume;
    expect(attached.job).toEqual({ kind: 'attachVolume', status: 'SUCCEEDED', resourceId: volume.id });
    expect(attached.volume).toMatchObject({ id: volume.id, status: 'IN_USE', instance: { id: instance.id, name: instance.name } });

    const nested = (await f.ok(INSTANCE_VOLUMES, { id: instance.id }, f.alice.token)).node;
    const system = nested.volumes.filter((v: { bootable: boolean }) => v.bootable);
    expect(system).toHaveLength(1);
    expect(nested.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ id: volume.id, bootable: false, status: 'IN_USE', instance: { id: instance.id } })]));

    const again = await failure(ATTACH, { id: volume.id, instanceId: instance.id }, f.alice.token);
    expect(again.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    const busyDelete = await failure(DELETE, { id: volume.id }, f.alice.token);
    expect(busyDelete.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    expect(busyDelete.message).toContain(instance.name);
    const systemDetach = await failure(DETACH, { id: system[0].id }, f.alice.token);
    expect(systemDetach.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
    expect(systemDetach.message).toMatch(/system disk/);
    expect((await readVolume(system[0].id)).instance).toEqual({ id: instance.id, name: instance.name });

    const detached = (await f.ok(DETACH, { id: volume.id }, f.alice.token)).detachVolume;
    expect(detached.job).toEqual({ kind: 'detachVolume', status: 'SUCCEEDED' });
    expect(detached.volume).toMatchObject({ id: volume.id, status: 'AVAILABLE', instance: null });
    const afterDetach = (await f.ok(INSTANCE_VOLUMES, { id: instance.id }, f.alice.token)).node;
    expect(afterDetach.volumes.map((v: { id: string }) => v.id)).not.toContain(volume.id);
    const notAttached = await failure(DETACH, { id: volume.id }, f.alice.token);
    expect(notAttached.extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });

    const deleted = (await f.ok(DELETE, { id: volume.id }, f.alice.token)).deleteVolume;
    expect(deleted).toEqual({ deletedId: volume.id, job: { kind: 'deleteVolume', status: 'SUCCEEDED' } });
    const gone = await failure('query($id: ID!) { node(id: $id) { id } }', { id: volume.id }, f.alice.token);
    expect(gone.extensions?.code).toBe('NOT_FOUND');
    expect((await tenancyVolumes(f.alice, cloud)).map((v) => v.id)).not.toContain(volume.id);
  });

  it('backs up a data disk and a system disk, restores a backup into a new volume, and deletes them', async () => {
    const instance = instances[cloud];
    const { volume } = await createVolume(f.alice, cloud, { sizeGb: 4 });
    // CloudStack snapshots only volumes that have been written to, i.e. attached once.
    await f.ok(ATTACH, { id: volume.id, instanceId: instance.id }, f.alice.token);

    const name = unique('nightly');
    const made = (await f.ok(BACKUP, { input: { volumeId: volume.id, name, description: 'before the upgrade' } }, f.alice.token)).createBackup;
    expect(made.job).toMatchObject({ kind: 'createBackup', status: 'SUCCEEDED', resourceId: made.backup.id });
    expect(made.backup).toMatchObject({ name, description: 'before the upgrade', status: 'AVAILABLE', sizeGb: 4, volume: { id: volume.id, name: volume.name } });
    expect((await readVolume(volume.id)).backups).toEqual({ totalCount: 1, nodes: [{ id: made.backup.id, name }] });

    const system = (await f.ok(INSTANCE_VOLUMES, { id: instance.id }, f.alice.token)).node.volumes.find((v: { bootable: boolean }) => v.bootable);
    const systemBackup = (await f.ok(BACKUP, { input: { volumeId: system.id, name: unique('system') } }, f.alice.token)).createBackup;
    expect(systemBackup.backup).toMatchObject({ status: 'AVAILABLE', description: null, volume: { id: system.id } });

    const restoredName = unique('restored');
    const restored = (await f.ok(RESTORE, { id: made.backup.id, name: restoredName }, f.alice.token)).restoreBackup;
    expect(restored.job).toMatchObject({ kind: 'restoreBackup', status: 'SUCCEEDED', resourceId: restored.volume.id });
    expect(restored.volume).toMatchObject({ name: restoredName, sizeGb: 4, status: 'AVAILABLE', instance: null, bootable: false });
    expect(restored.volume.id).not.toBe(volume.id);

    for (const backup of [made.backup, systemBackup.backup]) {
      const deleted = (await f.ok(DELETE_BACKUP, { id: backup.id }, f.alice.token)).deleteBackup;
      expect(deleted).toEqual({ deletedId: backup.id, job: { kind: 'deleteBackup', status: 'SUCCEEDED' } });
    }
    const left = (await tenancyBackups(f.alice, cloud)).map((b) => b.id);
    expect(left).not.toContain(made.backup.id);
    expect(left).not.toContain(systemBackup.backup.id);
    expect((await readVolume(volume.id)).backups.totalCount).toBe(0);

    await f.ok(DETACH, { id: volume.id }, f.alice.token);
    for (const id of [volume.id, restored.volume.id]) await f.ok(DELETE, { id }, f.alice.token);
  });

  it('keeps a backup of a deleted volume, and restores it without a name', async () => {
    const instance = instances[cloud];
    const { volume } = await createVolume(f.alice, cloud, { sizeGb: 2 });
    await f.ok(ATTACH, { id: volume.id, instanceId: instance.id }, f.alice.token);
    const { backup } = (await f.ok(BACKUP, { input: { volumeId: volume.id, name: unique('keep') } }, f.alice.token)).createBackup;
    await f.ok(DETACH, { id: volume.id }, f.alice.token);
    await f.ok(DELETE, { id: volume.id }, f.alice.token);

    const orphan = (await f.ok('query($id: ID!) { node(id: $id) { ... on VolumeBackup { id status volume { id } } } }', { id: backup.id }, f.alice.token)).node;
    expect(orphan).toEqual({ id: backup.id, status: 'AVAILABLE', volume: null });
    const restored = (await f.ok(RESTORE, { id: backup.id }, f.alice.token)).restoreBackup.volume;
    expect(restored).toMatchObject({ sizeGb: 2, status: 'AVAILABLE' });
    expect(restored.name.length).toBeGreaterThan(0);

    await f.ok(DELETE_BACKUP, { id: backup.id }, f.alice.token);
    await f.ok(DELETE, { id: restored.id }, f.alice.token);
  });

  it('refuses bad input before any cloud call, naming every field, and creates nothing', async () => {
    const { volume } = await createVolume(f.alice, cloud);
    const before = await tenancyVolumes(f.alice, cloud);
    const backupsBefore = await tenancyBackups(f.alice, cloud);
    await f.resetStats();
    const create = 'mutation($input: CreateVolumeInput!) { createVolume(input: $input) { volume { id } } }';
    const base = { tenancyId: f.alice.tenancy[cloud], name: unique('bad'), sizeGb: 2 };
    const cases: [Record<string, unknown>, string][] = [
      [{ sizeGb: 0 }, 'input.sizeGb'],
      [{ sizeGb: -4 }, 'input.sizeGb'],
      [{ sizeGb: 16385 }, 'input.sizeGb'],
      [{ name: '   ' }, 'input.name'],
      [{ name: 'x'.repeat(65) }, 'input.name'],
      [{ name: 'a<b>' }, 'input.name'],
      [{ type: 'NVMe' }, 'input.type'],
      [{ zoneId: 'nowhere' }, 'input.zoneId'],
    ];
    for (const [change, field] of cases) {
      const err = await failure(create, { input: { ...base, ...change } }, f.alice.token);
      expect({ change, code: err.extensions?.code, field: err.extensions?.field }).toEqual({ change, code: 'BAD_USER_INPUT', field });
    }
    const several = await failure(create, { input: { ...base, name: '', sizeGb: 0, type: 'tape' } }, f.alice.token);
    expect([...new Set((several.extensions?.fields as { field: string }[]).map((x) => x.field))].sort()).toEqual(['input.name', 'input.sizeGb', 'input.type']);

    const quota = (await f.ok(`query($t: ID!) { node(id: $t) { ... on Tenancy { quota { volumeGb { available } } } } }`, { t: f.alice.tenancy[cloud] }, f.alice.token)).node.quota;
    expect(quota.volumeGb.available).toBeGreaterThan(0);
    const tooBig = await failure(create, { input: { ...base, sizeGb: quota.volumeGb.available + 1 } }, f.alice.token);
    expect(tooBig.extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', field: 'input.sizeGb' });

    const badBackups: [Record<string, unknown>, string, string][] = [
      [{ name: '' }, 'input.name', 'BAD_USER_INPUT'],
      [{ description: 'd'.repeat(256) }, 'input.description', 'BAD_USER_INPUT'],
      [{ volumeId: 'not-an-id' }, 'input.volumeId', 'NOT_FOUND'],
    ];
    for (const [change, field, code] of badBackups) {
      const err = await failure(BACKUP, { input: { volumeId: volume.id, name: unique('b'), ...change } }, f.alice.token);
      expect({ field: err.extensions?.field, code: err.extensions?.code }).toEqual({ field, code });
    }
    const badInstance = await failure(ATTACH, { id: volume.id, instanceId: volume.id }, f.alice.token);
    expect(badInstance.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'instanceId' });

    expect(await writes(cloud)).toEqual([]);
    expect(await tenancyVolumes(f.alice, cloud)).toEqual(before);
    expect(await tenancyBackups(f.alice, cloud)).toEqual(backupsBefore);
    await f.ok(DELETE, { id: volume.id }, f.alice.token);
  });

  it('refuses a restore under a bad name before any cloud call', async () => {
    const instance = instances[cloud];
    const { volume } = await createVolume(f.alice, cloud, { sizeGb: 2 });
    await f.ok(ATTACH, { id: volume.id, instanceId: instance.id }, f.alice.token);
    const { backup } = (await f.ok(BACKUP, { input: { volumeId: volume.id, name: unique('src') } }, f.alice.token)).createBackup;
    const before = await tenancyVolumes(f.alice, cloud);
    await f.resetStats();
    for (const name of ['', 'n'.repeat(65)]) {
      const err = await failure(RESTORE, { id: backup.id, name }, f.alice.token);
      expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    }
    expect(await writes(cloud)).toEqual([]);
    expect(await tenancyVolumes(f.alice, cloud)).toEqual(before);

    await f.ok(DELETE_BACKUP, { id: backup.id }, f.alice.token);
    await f.ok(DETACH, { id: volume.id }, f.alice.token);
    await f.ok(DELETE, { id: volume.id }, f.alice.token);
  });

  it('refuses an instance of another tenancy of the same user, naming the field', async () => {
    const other = CLOUDS.find((c) => c !== cloud)!;
    const { volume } = await createVolume(f.alice, cloud);
    await f.resetStats();
    const err = await failure(ATTACH, { id: volume.id, instanceId: instances[other].id }, f.alice.token);
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'instanceId' });
    expect(await writes(cloud)).toEqual([]);
    expect(await writes(other)).toEqual([]);
    expect(await readVolume(volume.id)).toMatchObject({ status: 'AVAILABLE', instance: null });
    await f.ok(DELETE, { id: volume.id }, f.alice.token);
  });

  it('another tenant reaches none of it: every mutation is NOT_FOUND and changes nothing', async () => {
    const instance = instances[cloud];
    const { volume } = await createVolume(f.alice, cloud);
    await f.ok(ATTACH, { id: volume.id, instanceId: instance.id }, f.alice.token);
    const { backup } = (await f.ok(BACKUP, { input: { volumeId: volume.id, name: unique('mine') } }, f.alice.token)).createBackup;
    const own = (await createVolume(f.bob, cloud)).volume;
    const volumeBefore = await readVolume(volume.id);
    const backupsBefore = await tenancyBackups(f.alice, cloud);
    const bobVolumesBefore = await tenancyVolumes(f.bob, cloud);
    await f.resetStats();

    const attempts: [string, Record<string, unknown>, string | undefined][] = [
      ['mutation($input: CreateVolumeInput!) { createVolume(input: $input) { volume { id } } }', { input: { tenancyId: f.alice.tenancy[cloud], name: unique('theirs'), sizeGb: 1 } }, 'input.tenancyId'],
      [ATTACH, { id: volume.id, instanceId: instance.id }, undefined],
      [ATTACH, { id: own.id, instanceId: instance.id }, 'instanceId'],
      [DETACH, { id: volume.id }, undefined],
      [DELETE, { id: volume.id }, undefined],
      [BACKUP, { input: { volumeId: volume.id, name: unique('theirs') } }, 'input.volumeId'],
      [RESTORE, { id: backup.id, name: unique('theirs') }, undefined],
      [DELETE_BACKUP, { id: backup.id }, undefined],
    ];
    for (const [query, variables, field] of attempts) {
      const err = await failure(query, variables, f.bob.token);
      expect({ query, code: err.extensions?.code, field: err.extensions?.field }).toEqual({ query, code: 'NOT_FOUND', field });
    }
    expect(await writes(cloud)).toEqual([]);

    expect(await readVolume(volume.id)).toEqual(volumeBefore);
    expect(volumeBefore).toMatchObject({ status: 'IN_USE', instance: { id: instance.id }, backups: { totalCount: 1 } });
    expect(await tenancyBackups(f.alice, cloud)).toEqual(backupsBefore);
    expect(await tenancyVolumes(f.bob, cloud)).toEqual(bobVolumesBefore);
    expect(await tenancyBackups(f.bob, cloud)).toEqual([]);

    await f.ok(DELETE_BACKUP, { id: backup.id }, f.alice.token);
    await f.ok(DETACH, { id: volume.id }, f.alice.token);
    await f.ok(DELETE, { id: volume.id }, f.alice.token);
    await f.ok(DELETE, { id: own.id }, f.bob.token);
  });
});
