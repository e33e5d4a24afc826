import { eq, sql } from 'drizzle-orm';
import { DatacenterService } from '../../src/graph/datacenter/datacenter.service';
import { datacenters } from '../../src/store/schema';
import { CLOUDS, unique, useCloudGateway, type Cloud } from '../support/cloud';

const f = useCloudGateway();

interface Flavor {
  id: string;
  name: string;
  cpu: number;
  memoryMb: number;
  diskGb: number;
}
interface Image {
  id: string;
  name: string;
  status: string;
  minDiskGb: number;
}
interface Instance {
  id: string;
  name: string;
  status: string;
  cpu: number;
  memoryMb: number;
  flavor: { id: string } | null;
  image: { id: string } | null;
  keyPair: { id: string; name: string } | null;
  securityGroups: { id: string }[];
  addresses: { ip: string; floating: boolean; subnet: { id: string } | null; network: { id: string } | null }[];
  volumes: { id: string; sizeGb: number; bootable: boolean }[];
}

const INSTANCE = `id cloudId name status cloudStatus cpu memoryMb zoneId
  flavor { id name cpu memoryMb } image { id name } keyPair { id name } securityGroups { id name }
  addresses { ip floating subnet { id } network { id } } volumes { id sizeGb bootable }
  tenancy { id } datacenter { kind }`;
const CREATE = `mutation($input: CreateInstanceInput!) { createInstance(input: $input) {
  job { id kind status progress resourceId error { code } } instance { ${INSTANCE} } } }`;
const LIST = `query($t: ID!) { node(id: $t) { ... on Tenancy { instances(first: 100) { nodes { ${INSTANCE} } } } } }`;
const START = `mutation($id: ID!) { startInstance(id: $id) { job { kind status } instance { id status } } }`;
const STOP = `mutation($id: ID!) { stopInstance(id: $id) { job { kind status } instance { id status } } }`;
const REBOOT = `mutation($id: ID!, $hard: Boolean) { rebootInstance(id: $id, hard: $hard) { job { kind status } instance { id status } } }`;
const REBUILD = `mutation($id: ID!, $input: RebuildInstanceInput!) { rebuildInstance(id: $id, input: $input) { job { kind status } instance { id name status image { id } } } }`;
const RESIZE = `mutation($id: ID!, $input: ResizeInstanceInput!) { resizeInstance(id: $id, input: $input) { job { kind status } instance { id status cpu memoryMb flavor { id } } } }`;
const RENAME = `mutation($id: ID!, $name: String!) { renameInstance(id: $id, name: $name) { id name } }`;
const TERMINATE = `mutation($id: ID!) { terminateInstance(id: $id) { deletedId job { kind status } } }`;
const CREATE_NETWORK = `mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network { id zoneId subnets { nodes { id } } } } }`;
const CREATE_KEY = `mutation($input: CreateKeyPairInput!) { createKeyPair(input: $input) { keyPair { id name } } }`;

/** Simulator operations that make or change an instance (or, on CloudStack, the ACL of its subnet). */
const CHANGES = /^nova\.servers\.(create|action\..+|update|delete)$|^(deploy|start|stop|reboot|restore|changeServiceFor|scale|update|destroy)VirtualMachine$|^replaceNetworkACLList$/;

async function changeCalls(cloud: Cloud): Promise<Record<string, number>> {
  const { operations } = await f.stats(cloud);
  return Object.fromEntries(Object.entries(operations).filter(([op]) => CHANGES.test(op)));
}

async function instances(cloud: Cloud, token = f.alice.token, tenancy = f.alice.tenancy[cloud]): Promise<Instance[]> {
  return (await f.ok(LIST, { t: tenancy }, token)).node.instances.nodes;
}

async function instance(cloud: Cloud, id: string): Promise<Instance | undefined> {
  return (await instances(cloud)).find((i) => i.id === id);
}

/** Every row of every table of the gateway's database, as text. */
async function databaseText(): Promise<string> {
  const rows = (res: unknown) => (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows);
  const tables = rows(await f.gw.store.db.execute(sql.raw(`select table_name from information_schema.tables where table_schema = 'public'`))) as { table_name: string }[];
  expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['audit_log', 'jobs', 'job_events']));
  const parts: string[] = [];
  for (const { table_name } of tables) {
    parts.push(JSON.stringify(rows(await f.gw.store.db.execute(sql.raw(`select row_to_json(t)::text as row from "${table_name}" t`)))));
  }
  return parts.join('\n');
}

const fits = (flavor: Flavor, image: Image) => flavor.diskGb === 0 || flavor.diskGb >= image.minDiskGb;
const bySize = (a: Flavor, b: Flavor) => a.cpu - b.cpu || a.memoryMb - b.memoryMb || a.diskGb - b.diskGb;

describe.each(CLOUDS)('instances on %s', (cloud) => {
  const other: Cloud = cloud === 'OPENSTACK' ? 'CLOUDSTACK' : 'OPENSTACK';
  let flavors: Flavor[];
  let images: Image[];
  let zones: { id: string; available: boolean }[];
  /** The smallest bootable image, and the smallest flavor that holds it. */
  let image: Image;
  let flavor: Flavor;
  let network: { id: string; zoneId: string | null; subnets: { nodes: { id: string }[] } };
  let otherNetwork: typeof network;
  let group: { id: string; name: string };
  let otherGroup: { id: string; name: string };
  let keyPair: { id: string; name: string };
  let foreignKeyPair: { id: string };
  let bobNetwork: typeof network;
  let web: Instance;
  const password = `Pw-${unique('secret')}-x`;

  const tenancy = () => f.alice.tenancy[cloud];
  const base = (override: Record<string, unknown> = {}) => ({
    tenancyId: tenancy(),
    name: unique('vm'),
    imageId: image.id,
    flavorId: flavor.id,
    networkId: network.id,
    ...override,
  });
  const makeNetwork = async (token: string, tenancyId: string, octet: number) => {
    const name = unique('net');
    const input = { tenancyId, name, cidr: `10.${octet}.0.0/16`, subnet: { name: `${name}-a`, cidr: `10.${octet}.1.0/24` } };
    return (await f.ok(CREATE_NETWORK, { input }, token)).createNetwork.network;
  };
  const groupsOf = async () =>
    (await f.ok(`query($t: ID!) { node(id: $t) { ... on Tenancy { securityGroups(first: 100) { nodes { id name isDefault } } } } }`, { t: tenancy() }, f.alice.token))
      .node.securityGroups.nodes as { id: string; name: string; isDefault: boolean }[];

  beforeAll(async () => {
    const catalog = await f.ok('{ datacenters { kind zones { id available } flavors { id name cpu memoryMb diskGb } images { id name status minDiskGb } } }', {}, f.alice.token);
    const dc = catalog.datacenters.find((d: { kind: Cloud }) => d.kind === cloud);
    ({ flavors, images, zones } = dc);
    image = images.filter((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name)).sort((a, b) => a.minDiskGb - b.minDiskGb)[0];
    flavor = flavors.filter((x) => fits(x, image)).sort(bySize)[0];

    network = await makeNetwork(f.alice.token, tenancy(), 40);
    // On CloudStack each network brings its own default group (its ACL list): take this one's before the second network exists.
    group = (await groupsOf()).find((g) => g.isDefault)!;
    otherNetwork = await makeNetwork(f.alice.token, tenancy(), 41);
    otherGroup = (await groupsOf()).find((g) => g.id !== group.id) ?? group;
    keyPair = (await f.ok(CREATE_KEY, { input: { tenancyId: tenancy(), name: unique('vm-key') } }, f.alice.token)).createKeyPair.keyPair;
    foreignKeyPair = (await f.ok(CREATE_KEY, { input: { tenancyId: f.alice.tenancy[other], name: unique('elsewhere') } }, f.alice.token)).createKeyPair.keyPair;
    bobNetwork = await makeNetwork(f.bob.token, f.bob.tenancy[cloud], 42);
  }, 60_000);

  it('creates an instance from cpu + memory, with a key pair, a security group and a password, and reads it back nested', async () => {
    const name = unique('web');
    await f.resetStats();
    const created = await f.ok(
      CREATE,
      { input: base({ name, flavorId: undefined, cpu: flavor.cpu, memoryMb: flavor.memoryMb, securityGroupIds: [group.id], keyPairId: keyPair.id, adminPassword: password }) },
      f.alice.token,
    );
    const { job, instance: made } = created.createInstance;
    expect(job).toMatchObject({ kind: 'createInstance', status: 'SUCCEEDED', progress: 100, resourceId: made.id, error: null });
    expect(made).toMatchObject({ name, status: 'RUNNING', cpu: flavor.cpu, memoryMb: flavor.memoryMb, flavor: { id: flavor.id }, datacenter: { kind: cloud } });
    expect((await changeCalls(cloud))[cloud === 'OPENSTACK' ? 'nova.servers.create' : 'deployVirtualMachine']).toBe(1);

    const listed = (await instances(cloud)).find((i) => i.name === name)!;
    expect(listed).toMatchObject({
      id: made.id,
      status: 'RUNNING',
      flavor: { id: flavor.id },
      image: { id: image.id },
      keyPair: { id: keyPair.id, name: keyPair.name },
    });
    const fixed = listed.addresses.filter((a) => !a.floating);
    expect(fixed).toEqual([expect.objectContaining({ network: { id: network.id }, subnet: { id: network.subnets.nodes[0].id } })]);
    expect(fixed[0].ip).toMatch(/^10\.40\.1\.\d+$/);
    if (cloud === 'OPENSTACK') {
      expect(listed.securityGroups.map((g) => g.id)).toEqual([group.id]);
    } else {
      // A group is the ACL list of the subnet there: it was given to the instance's subnet.
      expect((await changeCalls(cloud)).replaceNetworkACLList).toBe(1);
    }
    const byNode = await f.ok(`query($id: ID!) { node(id: $id) { ... on Instance { id name keyPair { name } } } }`, { id: made.id }, f.alice.token);
    expect(byNode.node).toEqual({ id: made.id, name, keyPair: { name: keyPair.name } });

    const stored = await databaseText();
    expect(stored).toContain(name);
    expect(stored).not.toContain(password);
    web = listed;
  });

  it('creates an instance from a flavorId on a chosen subnet and zone, with a root disk of its own size', async () => {
    const name = unique('db');
    const larger = flavors.filter((x) => x.id !== flavor.id && x.cpu <= 8 && fits(x, image)).sort(bySize)[0];
    const rootDiskGb = Math.max(image.minDiskGb, larger.diskGb) + 3;
    const zoneId = network.zoneId ?? zones.find((z) => z.available)!.id;
    const created = await f.ok(
      CREATE,
      { input: base({ name, flavorId: larger.id, subnetId: network.subnets.nodes[0].id, zoneId, rootDiskGb }) },
      f.alice.token,
    );
    const made = created.createInstance.instance as Instance & { zoneId: string };
    expect(made).toMatchObject({ name, status: 'RUNNING', cpu: larger.cpu, memoryMb: larger.memoryMb, flavor: { id: larger.id }, zoneId });
    expect(made.addresses.find((a) => !a.floating)?.subnet).toEqual({ id: network.subnets.nodes[0].id });
    expect(made.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ sizeGb: rootDiskGb, bootable: true })]));
    await f.ok(TERMINATE, { id: made.id }, f.alice.token);
  });

  it('stops and starts it, refusing a stop while STOPPED and a start while RUNNING before calling the cloud', async () => {
    await f.resetStats();
    const running = await f.gw.gql(START, { id: web.id }, { token: f.alice.token });
    expect(running.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(running.errors?.[0].message).toContain('RUNNING');
    expect(await changeCalls(cloud)).toEqual({});

    const stopped = await f.ok(STOP, { id: web.id }, f.alice.token);
    expect(stopped.stopInstance).toEqual({ job: { kind: 'stopInstance', status: 'SUCCEEDED' }, instance: { id: web.id, status: 'STOPPED' } });
    expect((await instance(cloud, web.id))?.status).toBe('STOPPED');

    await f.resetStats();
    const again = await f.gw.gql(STOP, { id: web.id }, { token: f.alice.token });
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
    expect(again.errors?.[0].message).toContain('STOPPED');
    expect(await changeCalls(cloud)).toEqual({});
    const soft = await f.gw.gql(REBOOT, { id: web.id }, { token: f.alice.token });
    expect(soft.errors?.[0].extensions?.code).toBe('CONFLICT');

    const started = await f.ok(START, { id: web.id }, f.alice.token);
    expect(started.startInstance).toEqual({ job: { kind: 'startInstance', status: 'SUCCEEDED' }, instance: { id: web.id, status: 'RUNNING' } });
    expect((await instance(cloud, web.id))?.status).toBe('RUNNING');
  });

  it('reboots it, soft and hard', async () => {
    await f.resetStats();
    const soft = await f.ok(REBOOT, { id: web.id }, f.alice.token);
    expect(soft.rebootInstance).toEqual({ job: { kind: 'rebootInstance', status: 'SUCCEEDED' }, instance: { id: web.id, status: 'RUNNING' } });
    const hard = await f.ok(REBOOT, { id: web.id, hard: true }, f.alice.token);
    expect(hard.rebootInstance.instance.status).toBe('RUNNING');
    const calls = await changeCalls(cloud);
    if (cloud === 'OPENSTACK') expect(calls['nova.servers.action.reboot']).toBe(2);
    else expect(calls.rebootVirtualMachine).toBe(2);
  });

  it('renames it, and refuses an empty or overlong name', async () => {
    const name = unique('web-renamed');
    const renamed = await f.ok(RENAME, { id: web.id, name }, f.alice.token);
    expect(renamed.renameInstance).toEqual({ id: web.id, name });
    expect((await instance(cloud, web.id))?.name).toBe(name);
    for (const bad of ['  ', 'n'.repeat(65), 'a<b']) {
      const res = await f.gw.gql(RENAME, { id: web.id, name: bad }, { token: f.alice.token });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    }
    expect((await instance(cloud, web.id))?.name).toBe(name);
    web = (await instance(cloud, web.id))!;
  });

  it('rebuilds it from an image, with a new name and password, refusing an image the flavor cannot hold', async () => {
    const target = images.filter((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name) && fits(flavor, i)).sort((a, b) => Number(a.id === image.id) - Number(b.id === image.id))[0];
    const name = unique('web-rebuilt');
    const rebuildPassword = `Rb-${unique('secret')}-y`;
    const rebuilt = await f.ok(REBUILD, { id: web.id, input: { imageId: target.id, name, adminPassword: rebuildPassword } }, f.alice.token);
    expect(rebuilt.rebuildInstance).toEqual({ job: { kind: 'rebuildInstance', status: 'SUCCEEDED' }, instance: { id: web.id, name, status: 'RUNNING', image: { id: target.id } } });
    expect(await instance(cloud, web.id)).toMatchObject({ name, status: 'RUNNING', image: { id: target.id } });
    expect(await databaseText()).not.toContain(rebuildPassword);

    await f.resetStats();
    const unknown = await f.gw.gql(REBUILD, { id: web.id, input: { imageId: 'no-such-image' } }, { token: f.alice.token });
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.imageId' });
    const short = await f.gw.gql(REBUILD, { id: web.id, input: { imageId: target.id, adminPassword: 'short' } }, { token: f.alice.token });
    expect(short.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.adminPassword' });
    const tooBig = images.find((i) => i.status === 'ACTIVE' && !fits(flavor, i));
    if (cloud === 'OPENSTACK') expect(tooBig).toBeDefined();
    if (tooBig) {
      const res = await f.gw.gql(REBUILD, { id: web.id, input: { imageId: tooBig.id } }, { token: f.alice.token });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.imageId' });
    }
    expect(await changeCalls(cloud)).toEqual({});
    web = (await instance(cloud, web.id))!;
  });

  it('resizes it by cpu + memory, refusing its own flavor and, on CloudStack, a running instance', async () => {
    const next = flavors.filter((x) => x.id !== flavor.id && x.cpu <= 8 && fits(x, image) && x.diskGb >= flavor.diskGb).sort(bySize)[0];
    await f.resetStats();
    const same = await f.gw.gql(RESIZE, { id: web.id, input: { flavorId: flavor.id } }, { token: f.alice.token });
    expect(same.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.flavorId' });
    const sameBySize = await f.gw.gql(RESIZE, { id: web.id, input: { cpu: flavor.cpu, memoryMb: flavor.memoryMb } }, { token: f.alice.token });
    expect(sameBySize.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.cpu' });
    const none = await f.gw.gql(RESIZE, { id: web.id, input: { cpu: 3, memoryMb: 3000 } }, { token: f.alice.token });
    expect(none.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.cpu' });
    const half = await f.gw.gql(RESIZE, { id: web.id, input: { memoryMb: next.memoryMb } }, { token: f.alice.token });
    expect(half.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.cpu' });
    if (cloud === 'CLOUDSTACK') {
      const running = await f.gw.gql(RESIZE, { id: web.id, input: { cpu: next.cpu, memoryMb: next.memoryMb } }, { token: f.alice.token });
      expect(running.errors?.[0].extensions?.code).toBe('CONFLICT');
      expect(running.errors?.[0].message).toMatch(/RUNNING.*stop it first/);
    }
    expect(await changeCalls(cloud)).toEqual({});

    await f.ok(STOP, { id: web.id }, f.alice.token);
    const resized = await f.ok(RESIZE, { id: web.id, input: { cpu: next.cpu, memoryMb: next.memoryMb } }, f.alice.token);
    expect(resized.resizeInstance).toEqual({
      job: { kind: 'resizeInstance', status: 'SUCCEEDED' },
      instance: { id: web.id, status: 'STOPPED', cpu: next.cpu, memoryMb: next.memoryMb, flavor: { id: next.id } },
    });
    await f.ok(START, { id: web.id }, f.alice.token);
    expect(await instance(cloud, web.id)).toMatchObject({ status: 'RUNNING', cpu: next.cpu, memoryMb: next.memoryMb, flavor: { id: next.id } });
    web = (await instance(cloud, web.id))!;
  });

  type Case = [string, () => Record<string, unknown>, string, string?, RegExp?];
  const cases: Case[] = [
    ['an empty name', () => ({ name: ' ' }), 'input.name'],
    ['a name of 65 characters', () => ({ name: 'v'.repeat(65) }), 'input.name'],
    ['neither a flavor nor a size', () => ({ flavorId: undefined }), 'input.flavorId'],
    ['a flavor and a size', () => ({ cpu: flavor.cpu, memoryMb: flavor.memoryMb }), 'input.flavorId'],
    ['cpu without memory', () => ({ flavorId: undefined, cpu: 1 }), 'input.memoryMb'],
    ['memory without cpu', () => ({ flavorId: undefined, memoryMb: 1024 }), 'input.cpu'],
    ['no vCPU', () => ({ flavorId: undefined, cpu: 0, memoryMb: 1024 }), 'input.cpu'],
    ['an unknown flavor', () => ({ flavorId: 'no-such-flavor' }), 'input.flavorId'],
    ['an unknown image', () => ({ imageId: 'no-such-image' }), 'input.imageId'],
    ['a root disk of 0 GB', () => ({ rootDiskGb: 0 }), 'input.rootDiskGb'],
    ['a root disk smaller than the image', () => {
      const big = images.filter((i) => i.status === 'ACTIVE' && i.minDiskGb >= 2).sort((a, b) => a.minDiskGb - b.minDiskGb)[0];
      return { imageId: big.id, flavorId: flavors.filter((x) => fits(x, big)).sort(bySize)[0].id, rootDiskGb: big.minDiskGb - 1 };
    }, 'input.rootDiskGb'],
    ['a password of 7 characters', () => ({ adminPassword: 'Short1!' }), 'input.adminPassword'],
    ['a password of 73 characters', () => ({ adminPassword: 'p'.repeat(73) }), 'input.adminPassword'],
    ['an unknown zone', () => ({ zoneId: 'no-such-zone' }), 'input.zoneId'],
    ['a subnet of another network', () => ({ subnetId: otherNetwork.subnets.nodes[0].id }), 'input.subnetId'],
    ["a network of the viewer's other tenancy", () => ({ networkId: network.id, tenancyId: f.alice.tenancy[other] }), 'input.networkId', undefined, /another tenancy/],
    ["a key pair of the viewer's other tenancy", () => ({ keyPairId: foreignKeyPair.id }), 'input.keyPairId', undefined, /another tenancy/],
    ['a security group given twice', () => ({ securityGroupIds: [group.id, group.id] }), 'input.securityGroupIds'],
    ['a malformed key pair id', () => ({ keyPairId: 'not-an-id' }), 'input.keyPairId', 'NOT_FOUND'],
    ['a malformed network id', () => ({ networkId: 'bm90LWFuLWlk' }), 'input.networkId', 'NOT_FOUND'],
  ];
  it.each(cases)('refuses %s, naming the field, and calls no create', async (_what, override, field, code = 'BAD_USER_INPUT', message) => {
    const input = base(override());
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code, field });
    if (message) expect(res.errors?.[0].message).toMatch(message);
    expect(res.data).toBeNull();
    expect(await changeCalls(cloud)).toEqual({});
    for (const c of CLOUDS) expect((await instances(c)).map((i) => i.name)).not.toContain(input.name);
  });

  it('refuses a size no flavor has, naming input.cpu and listing the nearest flavors', async () => {
    const name = unique('odd');
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input: base({ name, flavorId: undefined, cpu: 3, memoryMb: 3000 }) }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.cpu' });
    const nearest = flavors.find((x) => x.cpu === 2 && x.memoryMb === 4096)!;
    expect(res.errors?.[0].message).toContain(`${nearest.name} (2 vCPU, 4096 MB)`);
    expect(await changeCalls(cloud)).toEqual({});
    expect((await instances(cloud)).map((i) => i.name)).not.toContain(name);
  });

  it('refuses a flavor whose disk cannot hold the image, naming the flavor', async () => {
    const pair = flavors.flatMap((x) => images.filter((i) => i.status === 'ACTIVE' && !fits(x, i)).map((i) => ({ flavor: x, image: i })))[0];
    // Flavors of CloudStack leave the disk size to the template: only Nova's can be too small.
    if (cloud === 'CLOUDSTACK') return expect(pair).toBeUndefined();
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input: base({ flavorId: pair.flavor.id, imageId: pair.image.id }) }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.flavorId' });
    expect(res.errors?.[0].message).toContain(`${pair.image.minDiskGb} GB`);
    expect(await changeCalls(cloud)).toEqual({});
  });

  // Nova takes any number of groups per instance; CloudStack's VPC subnets have one ACL list each.
  (cloud === 'CLOUDSTACK' ? it : it.skip)('refuses a second security group, naming the field', async () => {
    const name = unique('two-groups');
    expect(otherGroup.id).not.toBe(group.id);
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input: base({ name, securityGroupIds: [group.id, otherGroup.id] }) }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.securityGroupIds' });
    expect(await changeCalls(cloud)).toEqual({});
    expect((await instances(cloud)).map((i) => i.name)).not.toContain(name);
  });

  it('refuses a size beyond the quota with QUOTA_EXCEEDED naming the field, with the numbers', async () => {
    const quota = (await f.ok(`query($t: ID!) { node(id: $t) { ... on Tenancy { quota { cpu { limit used available } } } } }`, { t: tenancy() }, f.alice.token)).node.quota;
    expect(quota.cpu.limit).toBeGreaterThan(0);
    const cpu = quota.cpu.limit + 8;
    // A flavor larger than the whole quota, as the datacenter's administrator would offer it.
    const [row] = await f.gw.app.deps.db.select().from(datacenters).where(eq(datacenters.kind, cloud));
    const huge = await new DatacenterService(f.gw.app.deps).driver(row).admin().createFlavor({ name: unique('huge'), cpu, memoryMb: 1024, diskGb: 40 });
    const name = unique('too-big');
    await f.resetStats();
    const bySize = await f.gw.gql(CREATE, { input: base({ name, flavorId: undefined, cpu, memoryMb: 1024 }) }, { token: f.alice.token });
    expect(bySize.errors?.[0].extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', field: 'input.cpu' });
    expect(bySize.errors?.[0].message).toContain(`needs ${cpu} vCPU`);
    expect(bySize.errors?.[0].message).toContain(`uses ${quota.cpu.used} of ${quota.cpu.limit}`);
    const byId = await f.gw.gql(CREATE, { input: base({ name, flavorId: huge.id }) }, { token: f.alice.token });
    expect(byId.errors?.[0].extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', field: 'input.flavorId' });
    // CloudStack resizes stopped instances only, and this one runs.
    const resize = await f.gw.gql(RESIZE, { id: web.id, input: { flavorId: huge.id } }, { token: f.alice.token });
    expect(resize.errors?.[0].extensions).toMatchObject(cloud === 'OPENSTACK' ? { code: 'QUOTA_EXCEEDED', field: 'input.flavorId' } : { code: 'CONFLICT' });
    expect(await changeCalls(cloud)).toEqual({});
    expect((await instances(cloud)).map((i) => i.name)).not.toContain(name);
  });

  it("reports the cloud's failure of a build as the error of a FAILED job", async () => {
    const broken = images.find((i) => /broken/i.test(i.name) && i.status === 'ACTIVE')!;
    const name = unique('doomed');
    const res = await f.gw.gql(CREATE, { input: base({ name, imageId: broken.id, flavorId: flavors.filter((x) => fits(x, broken)).sort(bySize)[0].id }) }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_ERROR', datacenter: cloud === 'OPENSTACK' ? 'sim-os' : 'sim-cs' });
    const jobs = await f.ok('{ jobs(status: FAILED, first: 100) { nodes { kind status resourceId error { code } } } }', {}, f.alice.token);
    const failed = jobs.jobs.nodes.filter((j: { kind: string }) => j.kind === 'createInstance');
    expect(failed).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'FAILED', error: { code: 'UPSTREAM_ERROR' } })]));
    const left = (await instances(cloud)).find((i) => i.name === name);
    if (left) {
      expect(left.status).toBe('ERROR');
      expect(failed.map((j: { resourceId: string }) => j.resourceId)).toContain(left.id);
      expect((await f.ok(TERMINATE, { id: left.id }, f.alice.token)).terminateInstance.job.status).toBe('SUCCEEDED');
    }
  });

  it("another tenant can neither create in alice's tenancy, nor use alice's resources, nor act on alice's instance", async () => {
    const before = await instance(cloud, web.id);
    const bob = (override: Record<string, unknown>) => base({ tenancyId: f.bob.tenancy[cloud], networkId: bobNetwork.id, ...override });
    await f.resetStats();
    const creates: [Record<string, unknown>, string][] = [
      [base(), 'input.tenancyId'],
      [bob({ networkId: network.id }), 'input.networkId'],
      [bob({ subnetId: network.subnets.nodes[0].id }), 'input.subnetId'],
      [bob({ securityGroupIds: [group.id] }), 'input.securityGroupIds.0'],
      [bob({ keyPairId: keyPair.id }), 'input.keyPairId'],
    ];
    for (const [input, field] of creates) {
      const res = await f.gw.gql(CREATE, { input }, { token: f.bob.token });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', field });
    }
    const actions: [string, Record<string, unknown>][] = [
      [START, { id: web.id }],
      [STOP, { id: web.id }],
      [REBOOT, { id: web.id, hard: true }],
      [REBUILD, { id: web.id, input: { imageId: image.id, adminPassword: 'taken-over-1' } }],
      [RESIZE, { id: web.id, input: { flavorId: flavor.id } }],
      [RENAME, { id: web.id, name: 'taken-over' }],
      [TERMINATE, { id: web.id }],
    ];
    for (const [mutation, variables] of actions) {
      const res = await f.gw.gql(mutation, variables, { token: f.bob.token });
      expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(res.data).toBeNull();
    }
    expect(await changeCalls(cloud)).toEqual({});
    expect(await instance(cloud, web.id)).toEqual(before);
    expect((await instances(cloud, f.bob.token, f.bob.tenancy[cloud])).map((i) => i.id)).not.toContain(web.id);
  });

  it('terminates it; what is gone takes no more actions', async () => {
    const done = await f.ok(TERMINATE, { id: web.id }, f.alice.token);
    expect(done.terminateInstance).toEqual({ deletedId: web.id, job: { kind: 'terminateInstance', status: 'SUCCEEDED' } });
    const after = await instance(cloud, web.id);
    // CloudStack lists a destroyed VM (DELETED) until its expunge; Nova forgets it.
    if (after) expect(after.status).toBe('DELETED');
    await f.resetStats();
    const again = await f.gw.gql(START, { id: web.id }, { token: f.alice.token });
    expect(again.errors?.[0].extensions?.code).toBe(after ? 'CONFLICT' : 'NOT_FOUND');
    const twice = await f.gw.gql(TERMINATE, { id: web.id }, { token: f.alice.token });
    expect(twice.errors?.[0].extensions?.code).toBe(after ? 'CONFLICT' : 'NOT_FOUND');
    expect(await changeCalls(cloud)).toEqual({});
  });
});
