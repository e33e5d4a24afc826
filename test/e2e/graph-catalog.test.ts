import type { AdminDriver } from '../../src/clouds/driver';
import { DatacenterService } from '../../src/graph/datacenter/datacenter.service';
import { CLOUDS, localOf, unique, useCloudGateway, type Cloud } from '../support/cloud';

const f = useCloudGateway();

const CATALOG = `query($d: ID!) { datacenter(id: $d) {
  zones { id name available }
  flavors { id name cpu memoryMb diskGb }
  images { id name osType status minDiskGb isPublic }
} }`;
const FLAVORS = 'query($d: ID!) { datacenter(id: $d) { flavors { id name cpu memoryMb diskGb } } }';
const CREATE_FLAVOR = 'mutation($d: ID!, $input: CreateFlavorInput!) { createFlavor(datacenterId: $d, input: $input) { id name cpu memoryMb diskGb } }';
const SYNC = 'mutation($d: ID!) { syncImages(datacenterId: $d) { job { kind status progress events { message } } images { id name osType status minDiskGb isPublic } } }';

const FLAVOR_CREATE: Record<Cloud, string> = { OPENSTACK: 'nova.flavors.create', CLOUDSTACK: 'createServiceOffering' };
const IMAGE_LIST: Record<Cloud, string> = { OPENSTACK: 'glance.images.list', CLOUDSTACK: 'listTemplates' };

interface FlavorOut {
  id: string;
  name: string;
  cpu: number;
  memoryMb: number;
  diskGb: number;
}

async function adminDriver(cloud: Cloud): Promise<AdminDriver> {
  const datacenters = new DatacenterService(f.gw.app.deps);
  const row = await datacenters.byId(localOf(f.datacenter[cloud]));
  return datacenters.driver(row!).admin();
}

async function calls(cloud: Cloud, operation: string): Promise<number> {
  return (await f.stats(cloud)).operations[operation] ?? 0;
}

async function failure(query: string, variables: Record<string, unknown>, token = f.admin) {
  const res = await f.gw.gql(query, variables, { token });
  expect(res.errors).toHaveLength(1);
  const { code, field, fields } = res.errors![0].extensions as { code: string; field?: string; fields?: { field: string }[] };
  return { code, field, fields: fields?.map((x) => x.field) };
}

const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

// Sizes no seeded flavor has, one per flavor a test makes (the simulators live for the whole file).
let size = 0;
const freshSize = () => {
  size += 1;
  return { cpu: 3, memoryMb: 3000 + size, diskGb: 30 + size };
};

describe.each(CLOUDS)('the catalogue of %s', (cloud) => {
  it('zones, flavors and images read the same for an admin and for a user registered there, as the cloud lists them', async () => {
    const admin = (await f.ok(CATALOG, { d: f.datacenter[cloud] })).datacenter;
    const alice = (await f.ok(CATALOG, { d: f.datacenter[cloud] }, f.alice.token)).datacenter;

    const cloudSide = await f.driver(f.alice, cloud);
    const [zones, flavors, images] = await Promise.all([cloudSide.listZones(), cloudSide.listFlavors(), cloudSide.listImages()]);
    expect(byId(alice.zones)).toEqual(byId(zones));
    expect(alice.zones.some((z: { available: boolean }) => z.available)).toBe(true);
    expect(byId(alice.flavors)).toEqual(byId(flavors));
    expect(byId(alice.images)).toEqual(byId(images.map(({ sizeBytes: _size, ...image }) => image)));
    expect(alice.images.length).toBeGreaterThan(0);

    expect(admin.zones).toEqual(alice.zones);
    expect(admin.flavors).toEqual(alice.flavors);
    // What the tenant can boot is in the admin's view too.
    expect(admin.images).toEqual(expect.arrayContaining(alice.images));

    // Smallest flavor first; images by name.
    const order = (x: FlavorOut) => x.cpu * 1e7 + x.memoryMb;
    expect(alice.flavors.map(order)).toEqual([...alice.flavors.map(order)].sort((a, b) => a - b));
    const names = alice.images.map((i: { name: string }) => i.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b)));
  });

  it('a user without a tenancy in the datacenter does not see it', async () => {
    const username = unique('outsider');
    const password = `${username}-password-1`;
    await f.ok('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { username, password, email: `${username}@example.com` } });
    const token = await f.gw.login(username, password);
    expect((await failure(CATALOG, { d: f.datacenter[cloud] }, token)).code).toBe('NOT_FOUND');
  });

  it('createFlavor adds a flavor that the admin and users then see', async () => {
    const input = { name: unique('flavor'), ...freshSize() };
    await f.resetStats();
    const { createFlavor: made } = await f.ok(CREATE_FLAVOR, { d: f.datacenter[cloud], input });
    expect(made).toMatchObject(input);
    expect(await calls(cloud, FLAVOR_CREATE[cloud])).toBe(1);

    for (const token of [f.admin, f.alice.token]) {
      const listed = (await f.ok(FLAVORS, { d: f.datacenter[cloud] }, token)).datacenter.flavors;
      expect(listed).toContainEqual(made);
    }
    expect((await (await adminDriver(cloud)).listFlavors()).map((x) => x.id)).toContain(made.id);
  });

  it('createFlavor refuses bad values and duplicates, naming the field, before anything is made', async () => {
    const existing: FlavorOut[] = (await f.ok(FLAVORS, { d: f.datacenter[cloud] })).datacenter.flavors;
    const good = { name: unique('flavor'), ...freshSize() };
    await f.resetStats();

    const bad: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'input.name'],
      [{ name: '   ' }, 'input.name'],
      [{ name: 'x'.repeat(65) }, 'input.name'],
      [{ name: 'a<b>' }, 'input.name'],
      [{ cpu: 0 }, 'input.cpu'],
      [{ cpu: -2 }, 'input.cpu'],
      [{ cpu: 129 }, 'input.cpu'],
      [{ memoryMb: 0 }, 'input.memoryMb'],
      [{ memoryMb: 2_000_000 }, 'input.memoryMb'],
      [{ diskGb: -1 }, 'input.diskGb'],
      [{ diskGb: 20_000 }, 'input.diskGb'],
    ];
    for (const [change, field] of bad) {
      expect(await failure(CREATE_FLAVOR, { d: f.datacenter[cloud], input: { ...good, ...change } })).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }

    const [taken] = existing;
    expect(await failure(CREATE_FLAVOR, { d: f.datacenter[cloud], input: { ...good, name: taken.name } })).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    expect(await failure(CREATE_FLAVOR, { d: f.datacenter[cloud], input: { ...good, name: taken.name.toUpperCase() } })).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    const sameSize = { ...good, cpu: taken.cpu, memoryMb: taken.memoryMb, diskGb: taken.diskGb };
    expect(await failure(CREATE_FLAVOR, { d: f.datacenter[cloud], input: sameSize })).toEqual({
      code: 'CONFLICT',
      field: 'input.cpu',
      fields: ['input.cpu', 'input.memoryMb', 'input.diskGb'],
    });
    expect((await failure(CREATE_FLAVOR, { d: f.alice.tenancy[cloud], input: good })).code).toBe('NOT_FOUND');

    expect(await calls(cloud, FLAVOR_CREATE[cloud])).toBe(0);
    expect((await f.ok(FLAVORS, { d: f.datacenter[cloud] })).datacenter.flavors).toEqual(existing);
  });

  it('syncImages reads the images afresh through the admin credentials, as the catalogue then shows them', async () => {
    await f.resetStats();
    const { syncImages } = await f.ok(SYNC, { d: f.datacenter[cloud] });
    expect(await calls(cloud, IMAGE_LIST[cloud])).toBeGreaterThanOrEqual(1);
    expect(syncImages.job).toMatchObject({ kind: 'syncImages', status: 'SUCCEEDED', progress: 100 });
    const fromCloud = await (await adminDriver(cloud)).listImages();
    expect(syncImages.job.events.map((e: { message: string }) => e.message)).toContain(`${fromCloud.length} images in ${cloud === 'OPENSTACK' ? 'sim-os' : 'sim-cs'}`);
    expect(byId(syncImages.images)).toEqual(byId(fromCloud.map(({ sizeBytes: _size, ...image }) => image)));
    const names = syncImages.images.map((i: { name: string }) => i.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b)));
    expect((await f.ok(CATALOG, { d: f.datacenter[cloud] })).datacenter.images).toEqual(syncImages.images);
  });

  it('users may not change the catalogue', async () => {
    const before = (await f.ok(FLAVORS, { d: f.datacenter[cloud] })).datacenter.flavors;
    await f.resetStats();
    expect((await failure(CREATE_FLAVOR, { d: f.datacenter[cloud], input: { name: unique('flavor'), ...freshSize() } }, f.alice.token)).code).toBe('FORBIDDEN');
    expect((await failure(SYNC, { d: f.datacenter[cloud] }, f.bob.token)).code).toBe('FORBIDDEN');
    expect((await f.stats(cloud)).total).toBe(0);
    expect((await f.ok(FLAVORS, { d: f.datacenter[cloud] })).datacenter.flavors).toEqual(before);
  });
});
