import { eq } from 'drizzle-orm';
import type { AdminDriver } from '../../src/clouds/driver';
import { catalogueChanged } from '../../src/graph/catalog/catalog.service';
import { DatacenterService } from '../../src/graph/datacenter/datacenter.service';
import { catalogImages } from '../../src/store/schema';
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

const IMAGE = 'id name cloudName osType shared';
const IMAGES = `query($d: ID!, $shared: Boolean) { datacenter(id: $d) { images(shared: $shared) { ${IMAGE} } } }`;
const SHARE = `mutation($d: ID!, $i: String!, $input: ShareImageInput!) { shareImage(datacenterId: $d, imageId: $i, input: $input) { ${IMAGE} } }`;
const SYNC_CATALOGUE = `mutation($d: ID!) { syncImages(datacenterId: $d) { job { status events { message } } images { ${IMAGE} } } }`;

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

interface ImageOut {
  id: string;
  name: string;
  cloudName: string;
  osType: string | null;
  shared: boolean;
}

async function images(cloud: Cloud, token = f.admin, shared?: boolean): Promise<ImageOut[]> {
  return (await f.ok(IMAGES, { d: f.datacenter[cloud], shared }, token)).datacenter.images;
}

/** The catalogue's rows of the datacenter, straight from the store. */
async function catalogueRows(cloud: Cloud) {
  return f.gw.store.db.select().from(catalogImages).where(eq(catalogImages.datacenterId, localOf(f.datacenter[cloud])));
}

/** An image of the admin's list that alice sees too, so that both can read what is set on it. */
async function imageBothSee(cloud: Cloud): Promise<ImageOut> {
  const seen = new Set((await images(cloud, f.alice.token)).map((i) => i.id));
  const image = (await images(cloud)).find((i) => seen.has(i.id));
  if (!image) throw new Error(`no image of ${cloud} is visible to both the admin and alice`);
  return image;
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

  it('syncImages sent without waiting answers at once with its job QUEUED and the images as they read now; the job then records them', async () => {
    const now = await images(cloud);
    const res = await f.gw.gql(`mutation($d: ID!) { syncImages(datacenterId: $d) { job { id kind status } images { ${IMAGE} } } }`, { d: f.datacenter[cloud] }, { token: f.admin, async: true });
    expect(res.errors).toBeUndefined();
    const { syncImages } = res.data as { syncImages: { job: { id: string; kind: string; status: string }; images: ImageOut[] } };
    expect(syncImages.job).toMatchObject({ kind: 'syncImages', status: 'QUEUED' });
    expect(syncImages.images).toEqual(now);
    const JOB = 'query($id: ID!) { job(id: $id) { status events { message } } }';
    const deadline = Date.now() + 20_000;
    let job = (await f.ok(JOB, { id: syncImages.job.id })).job;
    while (job.status !== 'SUCCEEDED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await f.ok(JOB, { id: syncImages.job.id })).job;
    }
    expect(job.status).toBe('SUCCEEDED');
    expect(job.events.map((e: { message: string }) => e.message)).toContain(`${now.length} images in ${cloud === 'OPENSTACK' ? 'sim-os' : 'sim-cs'}`);
    expect(await images(cloud)).toEqual(now);
  });

  it('syncImages records each image the cloud lists in the catalogue, in one cloud call; images it does not hold read unshared, by the cloud’s names', async () => {
    await f.gw.store.db.delete(catalogImages).where(eq(catalogImages.datacenterId, localOf(f.datacenter[cloud])));
    await catalogueChanged(f.gw.app.deps, localOf(f.datacenter[cloud]));
    const unsynced = await images(cloud);
    expect(unsynced.length).toBeGreaterThan(0);
    for (const image of unsynced) expect(image).toMatchObject({ shared: false, name: image.cloudName });
    expect(await images(cloud, f.admin, true)).toEqual([]);
    expect(await images(cloud, f.admin, false)).toEqual(unsynced);

    await f.resetStats();
    const { syncImages } = await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    expect(await calls(cloud, IMAGE_LIST[cloud])).toBe(1);
    expect(syncImages.job.status).toBe('SUCCEEDED');
    expect(syncImages.job.events.map((e: { message: string }) => e.message)).toContain(`catalogue of ${cloud === 'OPENSTACK' ? 'sim-os' : 'sim-cs'}: ${unsynced.length} new, 0 no longer listed`);
    expect(syncImages.images).toEqual(unsynced);

    const rows = await catalogueRows(cloud);
    expect(rows).toHaveLength(unsynced.length);
    expect(byId(rows.map((r) => ({ id: r.cloudImageId, name: r.cloudName, osType: r.cloudOsType })))).toEqual(
      byId(unsynced.map(({ id, cloudName, osType }) => ({ id, name: cloudName, osType }))),
    );
    for (const row of rows) expect(row).toMatchObject({ shared: false, displayName: null, displayOsType: null, missingSince: null });

    // A sync with nothing new adds no row.
    await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    expect(await catalogueRows(cloud)).toHaveLength(unsynced.length);
  });

  it('shareImage sets a display name and os type that the admin and registered users then read, and a second sync keeps them', async () => {
    await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    const image = await imageBothSee(cloud);
    const displayName = unique('Ubuntu 22.04 LTS');
    const shared = { id: image.id, name: displayName, cloudName: image.cloudName, osType: 'ubuntu', shared: true };

    await f.resetStats();
    const { shareImage } = await f.ok(SHARE, { d: f.datacenter[cloud], i: image.id, input: { shared: true, name: ` ${displayName} `, osType: 'ubuntu' } });
    expect(shareImage).toEqual(shared);
    expect((await f.stats(cloud)).operations[IMAGE_LIST[cloud]] ?? 0).toBeLessThanOrEqual(1);

    for (const token of [f.admin, f.alice.token]) {
      const all = await images(cloud, token);
      expect(all).toContainEqual(shared);
      const names = all.map((i) => i.name);
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
      const onlyShared = await images(cloud, token, true);
      expect(onlyShared).toContainEqual(shared);
      expect(onlyShared.every((i) => i.shared)).toBe(true);
      expect((await images(cloud, token, false)).map((i) => i.id)).not.toContain(image.id);
    }

    const { syncImages } = await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    expect(syncImages.images).toContainEqual(shared);
    expect(await images(cloud, f.alice.token, true)).toContainEqual(shared);
    const row = (await catalogueRows(cloud)).find((r) => r.cloudImageId === image.id);
    expect(row).toMatchObject({ cloudName: image.cloudName, displayName, displayOsType: 'ubuntu', shared: true, missingSince: null });

    // Left out: unchanged; null: the cloud's own again.
    const { shareImage: renamedBack } = await f.ok(SHARE, { d: f.datacenter[cloud], i: image.id, input: { name: null } });
    expect(renamedBack).toEqual({ ...shared, name: image.cloudName });
    const { shareImage: unshared } = await f.ok(SHARE, { d: f.datacenter[cloud], i: image.id, input: { shared: false, osType: null } });
    expect(unshared).toEqual(image);
    expect((await images(cloud, f.alice.token, true)).map((i) => i.id)).not.toContain(image.id);
  });

  it('shareImage refuses bad values, images never synced and images gone from the cloud, naming the field', async () => {
    await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    const image = await imageBothSee(cloud);
    const before = await images(cloud);
    const share = (imageId: string, input: Record<string, unknown>) => failure(SHARE, { d: f.datacenter[cloud], i: imageId, input });
    await f.resetStats();

    const bad: [Record<string, unknown>, string][] = [
      [{ name: '' }, 'input.name'],
      [{ name: '   ' }, 'input.name'],
      [{ name: 'x'.repeat(129) }, 'input.name'],
      [{ name: 'a<b>' }, 'input.name'],
      [{ osType: '' }, 'input.osType'],
      [{ osType: 'x'.repeat(65) }, 'input.osType'],
      [{ shared: true, osType: ' ' }, 'input.osType'],
    ];
    for (const [input, field] of bad) expect(await share(image.id, input)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await share(unique('never-synced'), { shared: true })).toMatchObject({ code: 'NOT_FOUND', field: 'imageId' });
    expect((await f.stats(cloud)).total).toBe(0);

    // A row of an image the cloud no longer lists, as an earlier sync would have left it.
    const goneId = unique('gone-image');
    await f.gw.store.db.insert(catalogImages).values({ datacenterId: localOf(f.datacenter[cloud]), cloudImageId: goneId, cloudName: 'gone', shared: true });
    // And a row marked missing whose image is listed again.
    await f.gw.store.db.update(catalogImages).set({ missingSince: new Date() }).where(eq(catalogImages.cloudImageId, image.id));
    await catalogueChanged(f.gw.app.deps, localOf(f.datacenter[cloud]));
    expect(await share(goneId, { shared: false })).toMatchObject({ code: 'CONFLICT', field: 'imageId' });

    await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    const rows = await catalogueRows(cloud);
    const gone = rows.find((r) => r.cloudImageId === goneId)!;
    expect(gone.missingSince).toBeInstanceOf(Date);
    expect(rows.find((r) => r.cloudImageId === image.id)!.missingSince).toBeNull();
    expect(await share(goneId, { name: 'back' })).toMatchObject({ code: 'CONFLICT', field: 'imageId' });
    // The mark dates from the first sync that missed the image.
    await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    expect((await catalogueRows(cloud)).find((r) => r.cloudImageId === goneId)!.missingSince).toEqual(gone.missingSince);

    // The live list decides which images exist: the gone row never shows.
    expect(await images(cloud)).toEqual(before);
    expect((await images(cloud, f.admin, true)).map((i) => i.id)).not.toContain(goneId);
  });

  it('users may not change the catalogue', async () => {
    const before = (await f.ok(FLAVORS, { d: f.datacenter[cloud] })).datacenter.flavors;
    await f.ok(SYNC_CATALOGUE, { d: f.datacenter[cloud] });
    const image = await imageBothSee(cloud);
    const rowsBefore = await catalogueRows(cloud);
    await f.resetStats();
    expect((await failure(CREATE_FLAVOR, { d: f.datacenter[cloud], input: { name: unique('flavor'), ...freshSize() } }, f.alice.token)).code).toBe('FORBIDDEN');
    expect((await failure(SYNC, { d: f.datacenter[cloud] }, f.bob.token)).code).toBe('FORBIDDEN');
    for (const token of [f.alice.token, f.bob.token]) {
      expect((await failure(SHARE, { d: f.datacenter[cloud], i: image.id, input: { shared: true, name: 'mine' } }, token)).code).toBe('FORBIDDEN');
    }
    expect((await f.stats(cloud)).total).toBe(0);
    expect((await f.ok(FLAVORS, { d: f.datacenter[cloud] })).datacenter.flavors).toEqual(before);
    expect(byId(await catalogueRows(cloud))).toEqual(byId(rowsBefore));
  });
});
