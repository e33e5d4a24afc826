import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { responses } from '../support/app';
import { CLOUDS, unique, useCloudGateway, type Cloud } from '../support/cloud';

const f = useCloudGateway();

/*
 * A real order of the billing system, as its order service sent it (item configurations are
 * JSON strings). Its platformId, imageId and zoneId are of a real datacenter: each test puts
 * those of a simulated one in their place, the user is alice, and the report goes to a local
 * handler.
 */
const FIXTURE = {
  orderId: 86,
  workOrderConfig: '{"payPattern":"月"}',
  resourceDescription: '',
  serviceTag: 'CVMS',
  resourceType: 'VM',
  resourceId: '993fe244-ce55-4e7c-8f78-65d1d6567db1',
  masterOrderId: 'c590994f-4460-41c7-8e74-2357b995a138',
  workOrderId: 'WO20171218064746223026mREz',
  msghandler_url: 'http://127.0.0.1:8895',
  systemOfferingIds: { 'System Offering For Software Router': '53db3c3e-2136-4579-8424-3497b9ed751e' },
  workOrderType: 1,
  cycleType: 3,
  resourceInfo: '',
  workOrderItems: [
    {
      orderId: 86,
      serviceTag: 'CVMS',
      orderItemId: '',
      masterResourceId: '993fe244-ce55-4e7c-8f78-65d1d6567db1',
      masterOrderId: 'c590994f-4460-41c7-8e74-2357b995a138',
      workOrderId: 'WO20171218064746223026mREz',
      cycleType: 5,
      resourceInfo: '',
      resourceAction: 0,
      innerOrderId: 80,
      workOrderItemId: 138,
      resourceDescription: 'CPU: 1个, 内存: 1G, OS: CentOS6.4',
      innerOrderItemId: 174,
      workOrderItemConfig:
        '{"vmNumber": 1, "sysVolumeType": "SATA", "platformId": "sjif259a8d3011e7aebb005056aaa8be", "securityGroupId": null, "imageId": "357fb0ae-3543-4893-9d1f-ef0d04da60dd", "cpuNum": "1", "keyPairId": null, "cycleType": 5, "osType": 0, "sysVolumeSize": 40, "networkId": "", "cycleCnt": 1, "rootPassword": "123456", "zoneId": "0d86f114-7153-4d71-a835-7916a41ab0b7", "memSize": "1", "networkCards": [{}], "vmName": "MyHost-OMS123", "imageType": 0}',
      workOrderItemNo: 138,
      master: true,
      salesEntryId: 5,
      resourceId: '4e6e5a28-fe54-4932-984c-9e5970f1124d',
      resourceType: 'VM',
      productId: 5,
    },
    {
      orderId: 86,
      serviceTag: 'CVMS',
      orderItemId: '',
      masterResourceId: '993fe244-ce55-4e7c-8f78-65d1d6567db1',
      masterOrderId: 'c590994f-4460-41c7-8e74-2357b995a138',
      workOrderId: 'WO20171218064746223026mREz',
      cycleType: 5,
      resourceInfo: '',
      resourceAction: 0,
      innerOrderId: 80,
      workOrderItemId: 139,
      resourceDescription: 'SSD: SSD存储',
      innerOrderItemId: 175,
      workOrderItemConfig:
        '{"dataVolumes": {"type": "SSD", "size": "10"}, "cycleCnt": 1, "platformId": "sjif259a8d3011e7aebb005056aaa8be", "volumeName": "OMS-Volume", "volumeType": "SSD", "number": "1.0", "zoneId": "0d86f114-7153-4d71-a835-7916a41ab0b7", "backupVolumeId": null, "cycleType": 5, "volumeSize": "10", "volumeNumber": 1, "workOrderCount": 1}',
      workOrderItemNo: 139,
      master: false,
      salesEntryId: 3,
      resourceId: '72ac4aa9-7ca4-458f-a1b1-1ea2a082d9ee',
      resourceType: 'EBS',
      productId: 3,
    },
    {
      orderId: 86,
      serviceTag: 'CVMS',
      orderItemId: '',
      masterResourceId: '993fe244-ce55-4e7c-8f78-65d1d6567db1',
      masterOrderId: 'c590994f-4460-41c7-8e74-2357b995a138',
      workOrderId: 'WO20171218064746223026mREz',
      cycleType: 5,
      resourceInfo: '',
      resourceAction: 0,
      innerOrderId: 80,
      workOrderItemId: 140,
      resourceDescription: '带宽独享: 2M',
      innerOrderItemId: 176,
      workOrderItemConfig: '{"platformId": "sjif259a8d3011e7aebb005056aaa8be", "cycleType": 5, "newBandwidthValue": "2", "cycleCnt": 1}',
      workOrderItemNo: 140,
      master: false,
      salesEntryId: 6,
      resourceId: '2ab64680-a8df-4428-9c3c-2ccc0717682f',
      resourceType: 'NETWORK',
      productId: 6,
    },
  ],
  accountType: '1',
  workOrderNo: 65,
  innerOrderId: 80,
  userId: 'af6a7ec3cc904b798031c9604a86b2d3',
  accountId: '5a27b42ada094b7ca0f66f78fba0e7e3',
};
type Order = typeof FIXTURE;
type Config = Record<string, unknown>;

const VM_ID = FIXTURE.workOrderItems[0].resourceId;
const EBS_ID = FIXTURE.workOrderItems[1].resourceId;
const NETWORK_ID = FIXTURE.workOrderItems[2].resourceId;

/**
 * The fixture's own root password (123456) is shorter than the 8 characters ecsgraph sets
 * for instances; orders that provision carry this one, which no row could hold by chance.
 */
const ROOT_PASSWORD = 'Wo-Root-Pass-4711';

const RESOURCE = `
  __typename id
  ... on Instance { cloudId name status cpu memoryMb }
  ... on Volume { cloudId name sizeGb type volumeStatus: status instance { id } }
  ... on FloatingIp { cloudId address bandwidthMbps instance { id } }`;
const ORDER = `workOrderId orderId status reportedAt reportOutcome items { itemId resourceType billingResourceId master status error resource { ${RESOURCE} } }`;
const SUBMIT = `mutation($m: String!) { submitWorkOrder(msg: $m) { job { id kind status progress error { code message } } workOrder { ${ORDER} } } }`;
const SUBMIT_BRIEF = 'mutation($m: String!) { submitWorkOrder(msg: $m) { job { id status } workOrder { workOrderId status } } }';
const WORK_ORDER = `query($w: String!) { workOrder(workOrderId: $w) { ${ORDER} job { id kind status } } }`;

// ---------------------------------------------------------------------------------------------
// The billing system's side: a report handler, and orders for the simulated datacenters.

interface Handler {
  url: string;
  /** Every report received, in order. */
  received: { body: any; contentType: string | undefined }[];
}

const handlers: http.Server[] = [];
/** Every report any handler received. */
const reports: unknown[] = [];

/** A report handler answering `statuses` in turn, then 200. */
async function reportHandler(statuses: number[] = []): Promise<Handler> {
  const received: Handler['received'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), contentType: req.headers['content-type'] });
      reports.push(received[received.length - 1].body);
      res.statusCode = statuses.shift() ?? 200;
      res.end('{"errstatus": "SUCCESS"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handlers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msghandler`, received };
}

afterAll(async () => {
  await Promise.all(handlers.map((s) => new Promise((resolve) => s.close(resolve))));
});

interface Catalog {
  uuid: string;
  zoneId: string;
  imageId: string;
  /** An image whose instances never build (they end in ERROR, or their deploy job fails). */
  brokenImageId: string;
}
const catalog = {} as Record<Cloud, Catalog>;

/** The fixture for `cloud`, under a workOrderId of its own, reporting to `handler`. */
function orderFor(cloud: Cloud, handler: Handler, edit: (order: Order, configs: Config[]) => void = () => undefined): Order {
  const order = structuredClone(FIXTURE);
  const workOrderId = unique('WO20171218064746223026');
  order.workOrderId = workOrderId;
  order.msghandler_url = handler.url;
  order.userId = 'ct_user_alice';
  const configs = order.workOrderItems.map((item) => JSON.parse(item.workOrderItemConfig) as Config);
  for (const [i, config] of configs.entries()) {
    order.workOrderItems[i].workOrderId = workOrderId;
    config.platformId = catalog[cloud].uuid;
    if ('zoneId' in config) config.zoneId = catalog[cloud].zoneId;
    if ('imageId' in config) config.imageId = catalog[cloud].imageId;
    if ('rootPassword' in config) config.rootPassword = ROOT_PASSWORD;
  }
  const items = order.workOrderItems.map((item, i) => ({ item, config: configs[i], given: item.workOrderItemConfig }));
  edit(order, configs);
  // An edit may replace or drop an item; the others carry their configuration as JSON again.
  for (const { item, config, given } of items) if (item.workOrderItemConfig === given) item.workOrderItemConfig = JSON.stringify(config);
  return order;
}

async function submit(order: Order | string) {
  return (await f.ok(SUBMIT, { m: typeof order === 'string' ? order : JSON.stringify(order) })).submitWorkOrder;
}

async function readOrder(workOrderId: string, token = f.admin) {
  return (await f.ok(WORK_ORDER, { w: workOrderId }, token)).workOrder;
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The order's row once its report is settled (accepted or given up). */
const reported = (workOrderId: string) => waitFor(`the report of ${workOrderId}`, async () => ((o) => o.reportOutcome && o)(await readOrder(workOrderId)));

/** What alice has in the cloud, straight from her own driver (terminated CloudStack instances aside). */
async function holdings(cloud: Cloud): Promise<{ instances: string[]; volumes: string[]; floatingIps: string[] }> {
  const t = await f.driver(f.alice, cloud);
  const [instances, volumes, floatingIps] = await Promise.all([t.listInstances(), t.listVolumes(), t.listFloatingIps()]);
  return {
    instances: instances.filter((i) => i.status !== 'DELETED').map((i) => i.id).sort(),
    volumes: volumes.map((v) => v.id).sort(),
    floatingIps: floatingIps.map((i) => i.id).sort(),
  };
}

/** Removes what a provisioned order made, through the graph, so that quotas hold for the next test. */
async function removeOrder(order: { items: { resourceType: string; resource: { id: string } | null }[] }) {
  const of = (type: string) => order.items.filter((i) => i.resourceType === type && i.resource).map((i) => i.resource!.id);
  for (const id of of('NETWORK')) {
    await f.ok('mutation($id: ID!) { disassociateFloatingIp(id: $id) { job { status } } }', { id }, f.alice.token);
    await f.ok('mutation($id: ID!) { releaseFloatingIp(id: $id) { deletedId } }', { id }, f.alice.token);
  }
  for (const id of of('EBS')) {
    await f.ok('mutation($id: ID!) { detachVolume(id: $id) { job { status } } }', { id }, f.alice.token);
    await f.ok('mutation($id: ID!) { deleteVolume(id: $id) { deletedId } }', { id }, f.alice.token);
  }
  for (const id of of('VM')) await f.ok('mutation($id: ID!) { terminateInstance(id: $id) { deletedId } }', { id }, f.alice.token);
}

beforeAll(async () => {
  for (const cloud of CLOUDS) {
    const { datacenter } = await f.ok('query($d: ID!) { datacenter(id: $d) { uuid zones { id } images { id status name } } }', { d: f.datacenter[cloud] });
    const image = datacenter.images.find((i: { status: string; name: string }) => i.status === 'ACTIVE' && !/broken/i.test(i.name));
    const broken = datacenter.images.find((i: { name: string }) => /broken/i.test(i.name));
    catalog[cloud] = { uuid: datacenter.uuid, zoneId: datacenter.zones[0].id, imageId: image.id, brokenImageId: broken.id };
  }
  // Orders leave the network to the user's default one.
  await f.ok('mutation($u: ID!) { initializeUser(userId: $u) { job { status } } }', { u: f.alice.userId });
  // The billing system sells 1 vCPU with 1 GB; the simulated OpenStack has no such flavor of its own.
  await f.ok('mutation($d: ID!) { createFlavor(datacenterId: $d, input: { name: "c1.m1", cpu: 1, memoryMb: 1024, diskGb: 20 }) { id } }', { d: f.datacenter.OPENSTACK });
}, 120_000);

// ---------------------------------------------------------------------------------------------

describe.each(CLOUDS)('the fixture on %s', (cloud) => {
  it('provisions a VM with a 10 GB SSD volume attached and a 2 Mbit/s floating IP associated, and reports SUCCESS with the cloud ids', async () => {
    const handler = await reportHandler();
    const order = orderFor(cloud, handler);
    const { job, workOrder } = await submit(order);
    expect(job).toMatchObject({ kind: 'workOrder', status: 'SUCCEEDED', progress: 100, error: null });
    expect(workOrder).toMatchObject({ workOrderId: order.workOrderId, orderId: '86', status: 'SUCCEEDED' });

    const [vm, volume, ip] = workOrder.items;
    expect(workOrder.items.map((i: { itemId: string; resourceType: string; billingResourceId: string; master: boolean; status: string }) => [i.itemId, i.resourceType, i.billingResourceId, i.master, i.status])).toEqual([
      ['138', 'VM', VM_ID, true, 'DONE'],
      ['139', 'EBS', EBS_ID, false, 'DONE'],
      ['140', 'NETWORK', NETWORK_ID, false, 'DONE'],
    ]);
    expect(vm.resource).toMatchObject({ __typename: 'Instance', name: 'MyHost-OMS123', status: 'RUNNING', cpu: 1, memoryMb: 1024 });
    expect(volume.resource).toMatchObject({ __typename: 'Volume', name: 'OMS-Volume', sizeGb: 10, type: 'SSD', instance: { id: vm.resource.id } });
    expect(ip.resource).toMatchObject({ __typename: 'FloatingIp', bandwidthMbps: 2, instance: { id: vm.resource.id } });

    // The cloud, through alice's own credentials, agrees.
    const t = await f.driver(f.alice, cloud);
    const [instance] = await t.listInstances({ ids: [vm.resource.cloudId] });
    expect(instance).toMatchObject({ name: 'MyHost-OMS123', status: 'RUNNING', cpu: 1, memoryMb: 1024 });
    const [disk] = await t.listVolumes({ ids: [volume.resource.cloudId] });
    expect(disk).toMatchObject({ sizeGb: 10, instanceId: instance.id });
    const [address] = await t.listFloatingIps({ ids: [ip.resource.cloudId] });
    expect(address).toMatchObject({ bandwidthMbps: 2, instanceId: instance.id });
    // On alice's default network.
    const [network] = await t.listNetworks({ ids: [instance.addresses[0].networkId] });
    expect(network.name).toBe('alice-vpc');

    const row = await reported(order.workOrderId);
    expect(row.reportOutcome).toBe('ACCEPTED: HTTP 200 on attempt 1');
    expect(new Date(row.reportedAt).getTime()).toBeGreaterThan(0);
    expect(handler.received).toHaveLength(1);
    const [{ body, contentType }] = handler.received;
    expect(contentType).toMatch(/^application\/json/);
    expect(body).toEqual({
      workOrderId: order.workOrderId,
      orderId: '86',
      status: 'SUCCESS',
      error: null,
      items: [
        { workOrderItemId: '138', resourceType: 'VM', resourceId: VM_ID, status: 'DONE', cloudId: instance.id, globalId: vm.resource.id, error: null },
        { workOrderItemId: '139', resourceType: 'EBS', resourceId: EBS_ID, status: 'DONE', cloudId: disk.id, globalId: volume.resource.id, error: null },
        {
          workOrderItemId: '140',
          resourceType: 'NETWORK',
          resourceId: NETWORK_ID,
          status: 'DONE',
          cloudId: address.id,
          globalId: ip.resource.id,
          address: address.address,
          error: null,
        },
      ],
    });

    // The order is alice's to read too; not bob's.
    expect((await readOrder(order.workOrderId, f.alice.token)).items.map((i: { resource: { id: string } }) => i.resource.id)).toEqual(
      workOrder.items.map((i: { resource: { id: string } }) => i.resource.id),
    );
    expect(await readOrder(order.workOrderId, f.bob.token)).toBeNull();
    const { workOrder: read } = await f.ok(WORK_ORDER, { w: order.workOrderId });
    expect(read.job).toEqual({ id: job.id, kind: 'workOrder', status: 'SUCCEEDED' });
    await removeOrder(workOrder);
  });

  it('rolls everything back when the EBS step fails, and reports FAILED', async () => {
    const handler = await reportHandler();
    const order = orderFor(cloud, handler);
    const before = await holdings(cloud);
    await f.faults(cloud, { failingOperations: [cloud === 'OPENSTACK' ? 'cinder.volumes.create' : 'createVolume'], errorStatus: 500 });
    let result;
    try {
      result = await submit(order);
    } finally {
      await f.faults(cloud, {});
    }
    const { job, workOrder } = result;
    expect(job).toMatchObject({ kind: 'workOrder', status: 'FAILED' });
    expect(job.error.code).toMatch(/^UPSTREAM_/);
    expect(workOrder.status).toBe('FAILED');
    expect(workOrder.items.map((i: { resourceType: string; status: string; resource: unknown }) => [i.resourceType, i.status, i.resource])).toEqual([
      ['VM', 'ROLLED_BACK', null],
      ['EBS', 'FAILED', null],
      ['NETWORK', 'PENDING', null],
    ]);
    expect(workOrder.items[1].error).toMatchObject({ code: job.error.code, message: job.error.message });
    // Nothing of the order is left in the cloud.
    expect(await holdings(cloud)).toEqual(before);

    const row = await reported(order.workOrderId);
    expect(row.reportOutcome).toBe('ACCEPTED: HTTP 200 on attempt 1');
    const [{ body }] = handler.received;
    expect(body).toMatchObject({ workOrderId: order.workOrderId, status: 'FAILED', error: { code: job.error.code, message: job.error.message } });
    expect(body.items.map((i: { resourceId: string; status: string; cloudId: string | null }) => [i.resourceId, i.status, i.cloudId])).toEqual([
      [VM_ID, 'ROLLED_BACK', null],
      [EBS_ID, 'FAILED', null],
      [NETWORK_ID, 'PENDING', null],
    ]);
    expect(body.items[1].error).toMatchObject({ code: job.error.code });
  });

  it('removes a VM that failed to build, and reports FAILED', async () => {
    const handler = await reportHandler();
    const before = await holdings(cloud);
    const order = orderFor(cloud, handler, (_o, c) => (c[0].imageId = catalog[cloud].brokenImageId));
    const { job, workOrder } = await submit(order);
    expect(job.status).toBe('FAILED');
    expect(workOrder.status).toBe('FAILED');
    expect(workOrder.items.map((i: { status: string; resource: unknown }) => [i.status, i.resource])).toEqual([
      ['FAILED', null],
      ['PENDING', null],
      ['PENDING', null],
    ]);
    expect(workOrder.items[0].error).toMatchObject({ code: job.error.code, message: job.error.message });
    const { node } = await f.ok('query($id: ID!) { node(id: $id) { ... on Job { events { message } } } }', { id: job.id });
    // The instance exists (in ERROR) once its build failed: the rollback removes it.
    expect(node.events.map((e: { message: string }) => e.message)).toContain('rolling back VM MyHost-OMS123 (1 of 1)');
    expect(await holdings(cloud)).toEqual(before);
    expect((await reported(order.workOrderId)).reportOutcome).toMatch(/^ACCEPTED/);
    expect(handler.received[0].body).toMatchObject({ status: 'FAILED', error: { code: job.error.code } });
  });
});

it('sends the report again with a growing pause until the handler accepts it', async () => {
  const handler = await reportHandler([500, 500]);
  const order = orderFor('OPENSTACK', handler);
  const { workOrder } = await submit(order);
  expect(workOrder.status).toBe('SUCCEEDED');
  const row = await reported(order.workOrderId);
  expect(row.reportOutcome).toBe('ACCEPTED: HTTP 200 on attempt 3');
  expect(handler.received).toHaveLength(3);
  expect(new Set(handler.received.map((r) => JSON.stringify(r.body))).size).toBe(1);
  expect(handler.received[0].body.status).toBe('SUCCESS');
  await removeOrder(workOrder);
});

it('answers an order sent without waiting at once, its job QUEUED, and provisions and reports it afterwards', async () => {
  const handler = await reportHandler();
  const order = orderFor('OPENSTACK', handler);
  const res = await f.gw.gql(SUBMIT, { m: JSON.stringify(order) }, { token: f.admin, async: true });
  expect(res.errors).toBeUndefined();
  const { job, workOrder } = (res.data as { submitWorkOrder: any }).submitWorkOrder;
  expect(job).toMatchObject({ kind: 'workOrder', status: 'QUEUED', progress: 0, error: null });
  expect(workOrder).toMatchObject({ workOrderId: order.workOrderId, status: 'RECEIVED', reportedAt: null, reportOutcome: null });
  expect(workOrder.items.map((i: { status: string; resource: unknown }) => [i.status, i.resource])).toEqual([
    ['PENDING', null],
    ['PENDING', null],
    ['PENDING', null],
  ]);

  // The order's job ends on its own, and the order with it.
  const ended = await waitFor('the order to be provisioned', async () => ((o) => o.job.status === 'SUCCEEDED' && o)(await readOrder(order.workOrderId)));
  expect(ended).toMatchObject({ status: 'SUCCEEDED', job: { id: job.id, kind: 'workOrder', status: 'SUCCEEDED' } });
  const { node } = await f.ok('query($id: ID!) { node(id: $id) { ... on Job { status progress events { status } } } }', { id: job.id });
  expect(node).toMatchObject({ status: 'SUCCEEDED', progress: 100 });
  expect(node.events[0].status).toBe('QUEUED');
  const [vm, volume, ip] = ended.items;
  expect(ended.items.map((i: { resourceType: string; status: string }) => [i.resourceType, i.status])).toEqual([
    ['VM', 'DONE'],
    ['EBS', 'DONE'],
    ['NETWORK', 'DONE'],
  ]);
  expect(vm.resource).toMatchObject({ __typename: 'Instance', name: 'MyHost-OMS123', status: 'RUNNING' });
  expect(volume.resource).toMatchObject({ __typename: 'Volume', sizeGb: 10, instance: { id: vm.resource.id } });
  expect(ip.resource).toMatchObject({ __typename: 'FloatingIp', bandwidthMbps: 2, instance: { id: vm.resource.id } });

  const row = await reported(order.workOrderId);
  expect(row.reportOutcome).toBe('ACCEPTED: HTTP 200 on attempt 1');
  expect(handler.received).toHaveLength(1);
  expect(handler.received[0].body).toMatchObject({
    workOrderId: order.workOrderId,
    status: 'SUCCESS',
    error: null,
    items: [
      { resourceId: VM_ID, status: 'DONE', cloudId: vm.resource.cloudId, globalId: vm.resource.id },
      { resourceId: EBS_ID, status: 'DONE', cloudId: volume.resource.cloudId, globalId: volume.resource.id },
      { resourceId: NETWORK_ID, status: 'DONE', cloudId: ip.resource.cloudId, globalId: ip.resource.id, address: ip.resource.address },
    ],
  });

  // Sent again: the first order, provisioned once.
  await f.resetStats();
  const again = (await f.ok(SUBMIT_BRIEF, { m: JSON.stringify(order) })).submitWorkOrder;
  expect(again).toEqual({ job: { id: job.id, status: 'SUCCEEDED' }, workOrder: { workOrderId: order.workOrderId, status: 'SUCCEEDED' } });
  for (const cloud of CLOUDS) expect((await f.stats(cloud)).total).toBe(0);
  await removeOrder(ended);
});

it('goes on where it stopped when a step finds the cloud out of reach: the job is tried again, and no item is provisioned twice', async () => {
  const handler = await reportHandler();
  const order = orderFor('OPENSTACK', handler);
  const before = await holdings('OPENSTACK');
  const JOB_EVENTS = 'query($id: ID!) { job(id: $id) { status events { status message } } }';
  // The volume is made, then the cloud does not answer its attach.
  await f.faults('OPENSTACK', { failingOperations: ['nova.volume_attachments.create'], errorStatus: 503 });
  let jobId: string;
  try {
    const res = await f.gw.gql(SUBMIT, { m: JSON.stringify(order) }, { token: f.admin, async: true });
    jobId = (res.data as { submitWorkOrder: { job: { id: string } } }).submitWorkOrder.job.id;
    await waitFor('the job to be queued again', async () =>
      (await f.ok(JOB_EVENTS, { id: jobId })).job.events.some((e: { status: string; message: string }) => e.status === 'QUEUED' && /attempt 1 of/.test(e.message)),
    );
    const waiting = await readOrder(order.workOrderId);
    expect(waiting.status).toBe('PROVISIONING');
    expect(waiting.items.map((i: { status: string }) => i.status)).toEqual(['DONE', 'PENDING', 'PENDING']);
    expect(waiting.items[1].error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  } finally {
    await f.faults('OPENSTACK', {});
  }

  const ended = await waitFor('the order to be provisioned', async () => ((o) => o.job.status === 'SUCCEEDED' && o)(await readOrder(order.workOrderId)));
  expect(ended.status).toBe('SUCCEEDED');
  expect(ended.items.map((i: { status: string; error: unknown }) => [i.status, i.error])).toEqual([
    ['DONE', null],
    ['DONE', null],
    ['DONE', null],
  ]);
  const [vm, volume, ip] = ended.items;
  expect(volume.resource).toMatchObject({ __typename: 'Volume', instance: { id: vm.resource.id } });
  expect(ip.resource).toMatchObject({ __typename: 'FloatingIp', instance: { id: vm.resource.id } });
  const messages = (await f.ok(JOB_EVENTS, { id: jobId })).job.events.map((e: { message: string }) => e.message);
  expect(messages).toContain('resumed (attempt 2)');
  // One VM, one volume, one address: what the first attempt made was taken up, not made again.
  const after = await holdings('OPENSTACK');
  expect(after.instances.filter((id) => !before.instances.includes(id))).toEqual([vm.resource.cloudId]);
  const newVolumes = (await (await f.driver(f.alice, 'OPENSTACK')).listVolumes()).filter((v) => !before.volumes.includes(v.id));
  // The VM boots from a root disk of its own (sysVolumeSize); the order's volume is the only other.
  expect(newVolumes.filter((v) => !(v.bootable && v.instanceId === vm.resource.cloudId)).map((v) => v.id)).toEqual([volume.resource.cloudId]);
  expect(newVolumes.length).toBeLessThanOrEqual(2);
  expect(after.floatingIps.filter((id) => !before.floatingIps.includes(id))).toEqual([ip.resource.cloudId]);

  expect((await reported(order.workOrderId)).reportOutcome).toBe('ACCEPTED: HTTP 200 on attempt 1');
  expect(handler.received).toHaveLength(1);
  expect(handler.received[0].body).toMatchObject({ status: 'SUCCESS', error: null });
  await removeOrder(ended);
});

it('provisions an order sent twice once, also when both arrive together', async () => {
  const handler = await reportHandler();
  const before = await holdings('CLOUDSTACK');
  const msg = JSON.stringify(orderFor('CLOUDSTACK', handler));
  const [a, b] = await Promise.all([f.ok(SUBMIT_BRIEF, { m: msg }), f.ok(SUBMIT_BRIEF, { m: msg })]);
  expect(b.submitWorkOrder.job.id).toBe(a.submitWorkOrder.job.id);
  const workOrderId = a.submitWorkOrder.workOrder.workOrderId;
  await reported(workOrderId);

  await f.resetStats();
  const again = (await f.ok(SUBMIT_BRIEF, { m: msg })).submitWorkOrder;
  expect(again).toEqual({ job: { id: a.submitWorkOrder.job.id, status: 'SUCCEEDED' }, workOrder: { workOrderId, status: 'SUCCEEDED' } });
  for (const cloud of CLOUDS) expect((await f.stats(cloud)).total).toBe(0);

  const after = await holdings('CLOUDSTACK');
  expect(after.instances.filter((id) => !before.instances.includes(id))).toHaveLength(1);
  expect(after.volumes.filter((id) => !before.volumes.includes(id)).length).toBeGreaterThanOrEqual(1);
  expect(after.floatingIps.filter((id) => !before.floatingIps.includes(id))).toHaveLength(1);
  // One order, one report.
  await new Promise((r) => setTimeout(r, 300));
  expect(handler.received).toHaveLength(1);
  const { count } = (await f.gw.store.db.execute(sql`select count(*)::int as count from work_orders where work_order_id = ${workOrderId}`).then(rowsOf))[0] as { count: number };
  expect(count).toBe(1);
  await removeOrder(await readOrder(workOrderId));
});

describe('a bad order', () => {
  const CASES: [string, (order: Order, configs: Config[]) => void, string][] = [
    ['a string that is not an item configuration', (o) => (o.workOrderItems[2].workOrderItemConfig = '{"newBandwidthValue": '), 'msg.workOrderItems.2.workOrderItemConfig'],
    ['a volume size that is not a number', (_o, c) => (c[1].volumeSize = 'ten'), 'msg.workOrderItems.1.workOrderItemConfig.volumeSize'],
    ['a volume of 0 GB', (_o, c) => (c[1].volumeSize = '0'), 'msg.workOrderItems.1.workOrderItemConfig.volumeSize'],
    ['a volume type not sold', (_o, c) => (c[1].volumeType = 'NVME'), 'msg.workOrderItems.1.workOrderItemConfig.volumeType'],
    ['no cpuNum', (_o, c) => (c[0].cpuNum = ''), 'msg.workOrderItems.0.workOrderItemConfig.cpuNum'],
    ['the fixture’s own root password, shorter than 8 characters', (_o, c) => (c[0].rootPassword = '123456'), 'msg.workOrderItems.0.workOrderItemConfig.rootPassword'],
    ['two VMs in one item', (_o, c) => (c[0].vmNumber = 2), 'msg.workOrderItems.0.workOrderItemConfig.vmNumber'],
    ['a bandwidth of 0', (_o, c) => (c[2].newBandwidthValue = '0'), 'msg.workOrderItems.2.workOrderItemConfig.newBandwidthValue'],
    ['an unknown resource type', (o) => (o.workOrderItems[1].resourceType = 'DISK'), 'msg.workOrderItems.1.resourceType'],
    ['no VM item', (o) => o.workOrderItems.shift(), 'msg.workOrderItems'],
    ['an item in another datacenter than the VM', (_o, c) => (c[1].platformId = catalog.CLOUDSTACK.uuid), 'msg.workOrderItems.1.workOrderItemConfig.platformId'],
    ['a platform no datacenter has', (_o, c) => c.forEach((x) => (x.platformId = 'sjif259a8d3011e7aebb005056aaa8be')), 'msg.workOrderItems.0.workOrderItemConfig.platformId'],
    ['a user nobody is', (o) => (o.userId = 'af6a7ec3cc904b798031c9604a86b2d3'), 'msg.userId'],
    ['neither userId nor accountId', (o) => Object.assign(o, { userId: '', accountId: '' }), 'msg.userId'],
    ['a work order type other than open', (o) => (o.workOrderType = 2), 'msg.workOrderType'],
    ['a report URL that is not http', (o) => (o.msghandler_url = 'ftp://127.0.0.1/x'), 'msg.msghandler_url'],
    ['no workOrderId', (o) => (o.workOrderId = ''), 'msg.workOrderId'],
  ];

  it.each(CASES)('(%s) is refused naming the field, and nothing is stored nor made', async (_what, edit, field) => {
    const handler = await reportHandler();
    const order = orderFor('OPENSTACK', handler, edit);
    await f.resetStats();
    const res = await f.gw.gql(SUBMIT, { m: JSON.stringify(order) }, { token: f.admin });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(res.errors?.[0].message).toContain(`${field}: `);
    if (order.workOrderId) expect(await readOrder(order.workOrderId)).toBeNull();
    for (const cloud of CLOUDS) expect((await f.stats(cloud)).total).toBe(0);
    expect(handler.received).toEqual([]);
  });

  it('that is not JSON is refused naming msg', async () => {
    const res = await f.gw.gql(SUBMIT, { m: '{"workOrderId": ' }, { token: f.admin });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'msg' });
  });

  it('for a user without a tenancy in the datacenter is refused naming platformId', async () => {
    await f.ok('mutation { createUser(input: { username: "carol", password: "carol-password-1", ctUserId: "ct_user_carol" }) { id } }');
    const order = orderFor('OPENSTACK', await reportHandler(), (o) => (o.userId = 'ct_user_carol'));
    const res = await f.gw.gql(SUBMIT, { m: JSON.stringify(order) }, { token: f.admin });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'msg.workOrderItems.0.workOrderItemConfig.platformId' });
    expect(res.errors?.[0].message).toContain('carol has no ACTIVE tenancy');
  });

  it.each([
    ['imageId', 'no-such-image', 'BAD_USER_INPUT', /^msg\.workOrderItems\.0\.workOrderItemConfig\.imageId: no image no-such-image/],
    ['securityGroupId', 'no-such-group', 'NOT_FOUND', /^Security group not found/],
    ['keyPairId', 'no-such-key', 'NOT_FOUND', /^Key pair not found/],
  ])('naming a %s its datacenter does not have fails as a unit, naming the order’s field, and reports FAILED', async (key, value, code, message) => {
    const handler = await reportHandler();
    const before = await holdings('OPENSTACK');
    const order = orderFor('OPENSTACK', handler, (_o, c) => (c[0][key] = value));
    const { job, workOrder } = await submit(order);
    expect(job.status).toBe('FAILED');
    expect(job.error.code).toBe(code);
    expect(job.error.message).toMatch(message);
    expect(workOrder.items.map((i: { status: string }) => i.status)).toEqual(['FAILED', 'PENDING', 'PENDING']);
    expect(workOrder.items[0].error).toMatchObject({ code, field: `msg.workOrderItems.0.workOrderItemConfig.${key}` });
    await reported(order.workOrderId);
    expect(handler.received[0].body).toMatchObject({ status: 'FAILED', error: { code, message: job.error.message } });
    expect(await holdings('OPENSTACK')).toEqual(before);
  });

  it('of a user without a network fails naming networkId', async () => {
    const order = orderFor('OPENSTACK', await reportHandler(), (o) => (o.userId = 'ct_user_bob'));
    const { job, workOrder } = await submit(order);
    expect(job.status).toBe('FAILED');
    expect(job.error.message).toMatch(/^msg\.workOrderItems\.0\.workOrderItemConfig\.networkId: is empty and bob has no network/);
    expect(workOrder.items[0].status).toBe('FAILED');
    await reported(order.workOrderId);
  });
});

describe('POST /api/msg/order/', () => {
  const endpoint = () => f.gw.url.replace(/\/graphql$/, '/api/msg/order/');
  const post = async (form: Record<string, string>, token?: string, apiKey?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (apiKey) headers['x-api-key'] = apiKey;
    const res = await fetch(endpoint(), { method: 'POST', headers, body: new URLSearchParams(form).toString() });
    return { status: res.status, body: (await res.json()) as { msg: string; errstatus: string; errcode: number; results: any } };
  };

  it('takes the form field msg from an administrator and answers in the old envelope', async () => {
    const handler = await reportHandler();
    const order = orderFor('CLOUDSTACK', handler);
    const { status, body } = await post({ msg: JSON.stringify(order) }, f.admin);
    expect(status).toBe(200);
    expect(body).toMatchObject({ errstatus: 'SUCCESS', errcode: 0, msg: `Work order ${order.workOrderId} is SUCCEEDED.` });
    expect(body.results).toMatchObject({ workOrderId: order.workOrderId, status: 'SUCCEEDED' });
    expect(body.results.items.map((i: { resourceId: string; status: string }) => [i.resourceId, i.status])).toEqual([
      [VM_ID, 'DONE'],
      [EBS_ID, 'DONE'],
      [NETWORK_ID, 'DONE'],
    ]);
    const read = await readOrder(order.workOrderId);
    expect(read.items.map((i: { resource: { cloudId: string } }) => i.resource.cloudId)).toEqual(body.results.items.map((i: { cloudId: string }) => i.cloudId));
    const row = await reported(order.workOrderId);
    expect(row.reportOutcome).toMatch(/^ACCEPTED/);
    expect(handler.received[0].body.status).toBe('SUCCESS');

    // The same order again: the first one, nothing made.
    const again = await post({ msg: JSON.stringify(order) }, f.admin);
    expect(again.body).toMatchObject({ errstatus: 'SUCCESS', errcode: 0, results: { workOrderId: order.workOrderId, status: 'SUCCEEDED', jobId: body.results.jobId } });
    await removeOrder(read);
  });

  it('answers a bad order FAILED naming the field', async () => {
    const order = orderFor('CLOUDSTACK', await reportHandler(), (_o, c) => (c[1].volumeSize = '-1'));
    const { status, body } = await post({ msg: JSON.stringify(order) }, f.admin);
    expect(status).toBe(400);
    expect(body).toMatchObject({ errstatus: 'FAILED', errcode: 400, results: { field: 'msg.workOrderItems.1.workOrderItemConfig.volumeSize' } });
    expect(body.msg).toContain('msg.workOrderItems.1.workOrderItemConfig.volumeSize: ');
    expect((await post({ other: 'x' }, f.admin)).body).toMatchObject({ errstatus: 'FAILED', errcode: 400 });
  });

  it('refuses a user’s token, and no token, before reading the order', async () => {
    const order = orderFor('CLOUDSTACK', await reportHandler());
    await f.resetStats();
    const asUser = await post({ msg: JSON.stringify(order) }, f.alice.token);
    expect(asUser).toMatchObject({ status: 403, body: { errstatus: 'FAILED', errcode: 403 } });
    const anonymous = await post({ msg: JSON.stringify(order) });
    expect(anonymous).toMatchObject({ status: 401, body: { errstatus: 'FAILED', errcode: 401 } });
    const forged = await post({ msg: JSON.stringify(order) }, 'not-a-token');
    expect(forged).toMatchObject({ status: 401, body: { errstatus: 'FAILED', errcode: 401 } });
    expect(await readOrder(order.workOrderId)).toBeNull();
    for (const cloud of CLOUDS) expect((await f.stats(cloud)).total).toBe(0);
    const get = await fetch(endpoint(), { headers: { authorization: `Bearer ${f.admin}` } });
    expect(get.status).toBe(405);
  });

  const apiKey = async (scopes: string[], token = f.admin) =>
    (await f.ok('mutation($s: [ApiKeyScope!]!) { createApiKey(input: { name: "billing", scopes: $s }) { secret apiKey { id } } }', { s: scopes }, token)).createApiKey as {
      secret: string;
      apiKey: { id: string };
    };
  const localOf = (id: string) => (JSON.parse(Buffer.from(id, 'base64url').toString()) as string[])[1];

  it('takes an administrator’s API key with the WORK_ORDERS scope instead of a session', async () => {
    const key = await apiKey(['WORK_ORDERS']);
    const handler = await reportHandler();
    const order = orderFor('OPENSTACK', handler);
    const { status, body } = await post({ msg: JSON.stringify(order) }, undefined, key.secret);
    expect(status).toBe(200);
    expect(body).toMatchObject({ errstatus: 'SUCCESS', errcode: 0, results: { workOrderId: order.workOrderId, status: 'SUCCEEDED' } });
    // Audited as the key's.
    const [audit] = rowsOf(await f.gw.store.db.execute(sql`select action, outcome, actor_api_key_id from audit_log order by id desc limit 1`)) as Record<string, unknown>[];
    expect(audit).toEqual({ action: 'submitWorkOrder', outcome: 'SUCCESS', actor_api_key_id: localOf(key.apiKey.id) });
    await reported(order.workOrderId);
    expect(handler.received[0].body.status).toBe('SUCCESS');
    await removeOrder(await readOrder(order.workOrderId));
  });

  it('takes a FULL key of an administrator too, and reads the order', async () => {
    const key = await apiKey(['FULL']);
    const order = orderFor('CLOUDSTACK', await reportHandler(), (_o, c) => (c[1].volumeSize = '-1'));
    const { status, body } = await post({ msg: JSON.stringify(order) }, undefined, key.secret);
    expect(status).toBe(400);
    expect(body).toMatchObject({ errstatus: 'FAILED', errcode: 400, results: { field: 'msg.workOrderItems.1.workOrderItemConfig.volumeSize' } });
  });

  it('refuses a key without the scope, a user’s key, a revoked or unknown key, and a key with a session, before reading the order', async () => {
    const order = orderFor('CLOUDSTACK', await reportHandler());
    const msg = JSON.stringify(order);
    const readOnly = await apiKey(['READ_ONLY']);
    const users = await apiKey(['WORK_ORDERS', 'FULL'], f.alice.token);
    const revoked = await apiKey(['WORK_ORDERS']);
    await f.ok('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: revoked.apiKey.id });
    const valid = await apiKey(['WORK_ORDERS']);
    await f.resetStats();

    expect(await post({ msg }, undefined, readOnly.secret)).toMatchObject({ status: 403, body: { errstatus: 'FAILED', errcode: 403 } });
    expect(await post({ msg }, undefined, users.secret)).toMatchObject({ status: 403, body: { errstatus: 'FAILED', errcode: 403 } });
    const altered = valid.secret.slice(0, -1) + (valid.secret.endsWith('A') ? 'B' : 'A');
    for (const secret of [revoked.secret, altered, 'ecs_k_unknown']) {
      expect(await post({ msg }, undefined, secret)).toMatchObject({ status: 401, body: { errstatus: 'FAILED', errcode: 401 } });
    }
    expect(await post({ msg }, f.admin, valid.secret)).toMatchObject({ status: 400, body: { errstatus: 'FAILED', errcode: 400 } });
    expect(await readOrder(order.workOrderId)).toBeNull();
    for (const cloud of CLOUDS) expect((await f.stats(cloud)).total).toBe(0);
  });
});

const rowsOf = (res: unknown) => (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows);

it('keeps the root password nowhere: not in any table, report or response', async () => {
  // A message with the password up front, where the audit log's copy of the arguments is not cut short.
  const { workOrderItems, ...rest } = orderFor('OPENSTACK', await reportHandler());
  const { workOrderItemConfig, ...vm } = workOrderItems[0];
  const { rootPassword, ...config } = JSON.parse(workOrderItemConfig) as Config;
  const first = { workOrderItemConfig: JSON.stringify({ rootPassword, ...config }), ...vm };
  const early = JSON.stringify({ workOrderItems: [first, ...workOrderItems.slice(1)], ...rest, workOrderType: 2 });
  expect(early.indexOf(ROOT_PASSWORD)).toBeLessThan(100);
  const refused = await f.gw.gql(SUBMIT, { m: early }, { token: f.admin });
  expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'msg.workOrderType' });
  const { auditLog } = await f.ok('{ auditLog(first: 1) { nodes { action outcome details } } }');
  expect(auditLog.nodes[0]).toMatchObject({ action: 'submitWorkOrder', outcome: 'FAILURE' });
  expect(JSON.stringify(auditLog.nodes[0].details)).toContain('rootPassword\\":\\"[redacted]');

  const tables = rowsOf(await f.gw.store.db.execute(sql.raw(`select table_name from information_schema.tables where table_schema = 'public'`))) as { table_name: string }[];
  expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['work_orders', 'work_order_items', 'audit_log', 'jobs', 'job_events']));
  const text: string[] = [];
  for (const { table_name } of tables) {
    text.push(JSON.stringify(rowsOf(await f.gw.store.db.execute(sql.raw(`select row_to_json(t)::text as row from "${table_name}" t`)))));
  }
  const database = text.join('\n');
  // Orders were stored, and audited, with their password replaced.
  expect(database).toContain('MyHost-OMS123');
  expect(database).toContain('submitWorkOrder');
  expect(database).toContain('[redacted]');
  expect(database).not.toContain(ROOT_PASSWORD);
  expect(database).not.toMatch(/rootPassword\W+123456/);
  expect(responses.join('\n')).not.toContain(ROOT_PASSWORD);
  expect(reports.length).toBeGreaterThan(0);
  expect(JSON.stringify(reports)).not.toContain(ROOT_PASSWORD);
});
