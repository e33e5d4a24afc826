import { count, eq } from 'drizzle-orm';
import { buildSchema, getIntrospectionQuery, graphqlSync, type IntrospectionQuery } from 'graphql';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateDatacenterDocument,
  CreateUserDocument,
  DatacenterDocument,
  DatacentersAdminDocument,
  DatacentersDocument,
  DeleteDatacenterDocument,
  NodeByIdDocument,
  UpdateDatacenterDocument,
  ViewerDocument,
  type CreateDatacenterInput,
} from '../../operations/generated/graphql';
import { DatacenterService } from '../../src/graph/datacenter/datacenter.service';
import { datacenters, tenancies, users } from '../../src/store/schema';
import { codes, responses, useGateway } from '../support/app';

const gw = useGateway();
let admin: string;
beforeEach(async () => {
  admin = await gw.adminToken();
});

const OS_PASSWORD = 'os-admin-Secret-1';
const CS_PASSWORD = 'cs-admin-Secret-2';
const CS_API_KEY = 'cs-api-key-AAAAAAAAAAAA';
const CS_SECRET = 'cs-secret-key-BBBBBBBBBBBB';

const openstack: CreateDatacenterInput = {
  name: 'Hangzhou OpenStack',
  shortName: 'hz-os',
  uuid: 'sjif259a8d3011e7aebb005056aaa8be',
  kind: 'OPENSTACK',
  serviceUrl: 'http://10.0.194.101:10006/v3/',
  adminUser: 'admin',
  password: OS_PASSWORD,
  externalNetwork: 'ext-net',
  idcTypeName: 'OpenStack',
};
const cloudstack: CreateDatacenterInput = {
  name: 'Beijing CloudStack',
  shortName: 'bj-cs',
  kind: 'CLOUDSTACK',
  serviceUrl: 'http://172.18.143.189:8080/client/api',
  adminUser: 'admin',
  password: CS_PASSWORD,
  apiKey: CS_API_KEY,
  secretKey: CS_SECRET,
};

async function createDc(input: CreateDatacenterInput) {
  const res = await gw.gql(CreateDatacenterDocument, { input }, { token: admin });
  if (res.errors) throw new Error(res.text);
  return res.data!.createDatacenter;
}

const dcCount = async () => (await gw.store.db.select({ n: count() }).from(datacenters))[0].n;

async function userWithTenancyIn(dcId: string | null) {
  const res = await gw.gql(CreateUserDocument, { input: { username: 'tenant', password: 'tenant-password' } }, { token: admin });
  const [row] = await gw.store.db.select().from(users).where(eq(users.username, 'tenant'));
  if (dcId) await gw.store.db.insert(tenancies).values({ userId: row.id, datacenterId: dcId, status: 'ACTIVE' });
  return { id: res.data!.createUser.id, token: await gw.login('tenant', 'tenant-password') };
}

describe('createDatacenter', () => {
  it('creates both kinds, derives defaults, and keeps credentials sealed at rest', async () => {
    const os = await createDc(openstack);
    expect(os).toMatchObject({
      name: 'Hangzhou OpenStack',
      uuid: 'sjif259a8d3011e7aebb005056aaa8be',
      kind: 'OPENSTACK',
      serviceUrl: 'http://10.0.194.101:10006/v3',
      host: '10.0.194.101',
      project: 'admin',
      domain: 'Default',
      externalNetwork: 'ext-net',
      state: 'ENABLED',
    });
    const cs = await createDc(cloudstack);
    expect(cs.uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(cs.project).toBeNull();

    const rows = await gw.store.db.select().from(datacenters);
    const raw = JSON.stringify(rows);
    for (const secret of [OS_PASSWORD, CS_PASSWORD, CS_API_KEY, CS_SECRET]) expect(raw).not.toContain(secret);
    const service = new DatacenterService(gw.app.deps);
    const csRow = rows.find((r) => r.kind === 'CLOUDSTACK')!;
    expect(service.credentials(csRow)).toEqual({ password: CS_PASSWORD, apiKey: CS_API_KEY, secretKey: CS_SECRET });
    // A sealed value is bound to its row: moved to another row it does not open.
    const osRow = rows.find((r) => r.kind === 'OPENSTACK')!;
    expect(() => service.credentials({ ...osRow, credentials: csRow.credentials })).toThrow();
  });

  it.each([
    ['input.serviceUrl', { serviceUrl: 'not a url' }],
    ['input.serviceUrl', { serviceUrl: 'ftp://10.0.0.1/v3' }],
    ['input.serviceUrl', { serviceUrl: 'http://admin:pw@10.0.0.1/v3' }],
    ['input.name', { name: '  ' }],
    ['input.shortName', { shortName: 'has space' }],
    ['input.uuid', { uuid: 'x' }],
    ['input.password', { password: '' }],
    ['input.apiKey', { apiKey: 'k', secretKey: 's' }],
    ['input.secretKey', { kind: 'CLOUDSTACK', apiKey: 'k' }],
  ] as const)('names %s when it is invalid, and writes nothing', async (field, change) => {
    const before = await dcCount();
    const res = await gw.gql(CreateDatacenterDocument, { input: { ...openstack, ...change } }, { token: admin });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].extensions!.field).toBe(field);
    expect(await dcCount()).toBe(before);
  });

  it('names the field of an unknown kind', async () => {
    const res = await gw.gql(CreateDatacenterDocument, { input: { ...openstack, kind: 'VMWARE' as never } }, { token: admin });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0].message).toContain('kind');
    expect(await dcCount()).toBe(0);
  });

  it('refuses a duplicate uuid, and accepts it again once the first is deleted', async () => {
    const first = await createDc(openstack);
    const dup = await gw.gql(CreateDatacenterDocument, { input: { ...openstack, name: 'again' } }, { token: admin });
    expect(codes(dup)).toEqual(['BAD_USER_INPUT']);
    expect(dup.errors![0].extensions!.field).toBe('input.uuid');
    expect(await dcCount()).toBe(1);
    await gw.gql(DeleteDatacenterDocument, { id: first.id }, { token: admin });
    await createDc(openstack);
    expect(await dcCount()).toBe(2);
  });
});

describe('updateDatacenter', () => {
  it('updates fields and re-seals credentials, merging what is not given', async () => {
    const cs = await createDc(cloudstack);
    const res = await gw.gql(UpdateDatacenterDocument, { id: cs.id, input: { password: 'rotated-password', name: 'BJ', externalNetwork: 'public' } }, { token: admin });
    expect(res.errors).toBeUndefined();
    expect(res.data!.updateDatacenter).toMatchObject({ name: 'BJ', externalNetwork: 'public', shortName: 'bj-cs' });
    const [row] = await gw.store.db.select().from(datacenters);
    expect(new DatacenterService(gw.app.deps).credentials(row)).toEqual({ password: 'rotated-password', apiKey: CS_API_KEY, secretKey: CS_SECRET });
  });

  it('names invalid fields and changes nothing', async () => {
    const os = await createDc(openstack);
    const [before] = await gw.store.db.select().from(datacenters);
    for (const [input, field] of [
      [{ serviceUrl: 'nope', name: 'changed' }, 'input.serviceUrl'],
      [{ apiKey: 'k', secretKey: 's' }, 'input.apiKey'],
      [{ name: '' }, 'input.name'],
    ] as const) {
      const res = await gw.gql(UpdateDatacenterDocument, { id: os.id, input }, { token: admin });
      expect(res.errors![0].extensions!.field).toBe(field);
    }
    const [after] = await gw.store.db.select().from(datacenters);
    expect(after).toEqual(before);
  });
});

describe('deleteDatacenter', () => {
  it('removes logically and hides the datacenter from lists', async () => {
    const os = await createDc(openstack);
    const res = await gw.gql(DeleteDatacenterDocument, { id: os.id }, { token: admin });
    expect(res.data!.deleteDatacenter.removedAt).not.toBeNull();
    expect(await dcCount()).toBe(1);
    expect((await gw.gql(DatacentersDocument, {}, { token: admin })).data!.datacenters).toEqual([]);
    expect((await gw.gql(DatacenterDocument, { id: os.id }, { token: admin })).data!.datacenter!.removedAt).not.toBeNull();
    const change = await gw.gql(UpdateDatacenterDocument, { id: os.id, input: { name: 'revived' } }, { token: admin });
    expect(codes(change)).toEqual(['CONFLICT']);
    expect((await gw.store.db.select().from(datacenters))[0].name).toBe(openstack.name);
  });

  it('is refused while users are registered in it', async () => {
    const os = await createDc(openstack);
    await userWithTenancyIn((await gw.store.db.select().from(datacenters))[0].id);
    const res = await gw.gql(DeleteDatacenterDocument, { id: os.id }, { token: admin });
    expect(codes(res)).toEqual(['CONFLICT']);
    expect((await gw.store.db.select().from(datacenters))[0].removedAt).toBeNull();
  });
});

describe('what a USER sees', () => {
  it('lists only datacenters it is registered in, without the admin-only fields', async () => {
    const os = await createDc(openstack);
    const cs = await createDc(cloudstack);
    const osRow = (await gw.store.db.select().from(datacenters).where(eq(datacenters.kind, 'OPENSTACK')))[0];
    const user = await userWithTenancyIn(osRow.id);

    const listed = await gw.gql(DatacentersDocument, {}, { token: user.token });
    expect(listed.data!.datacenters.map((d) => d.id)).toEqual([os.id]);
    expect(codes(await gw.gql(DatacenterDocument, { id: cs.id }, { token: user.token }))).toEqual(['NOT_FOUND']);
    expect(codes(await gw.gql(NodeByIdDocument, { id: cs.id }, { token: user.token }))).toEqual(['NOT_FOUND']);
    expect((await gw.gql(NodeByIdDocument, { id: os.id }, { token: user.token })).data!.node!.__typename).toBe('Datacenter');

    const adminFields = await gw.gql(DatacentersAdminDocument, {}, { token: user.token });
    expect(codes(adminFields)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(adminFields.data!.datacenters[0].serviceUrl).toBeNull();

    const viewer = await gw.gql(ViewerDocument, {}, { token: user.token });
    expect(viewer.data!.viewer!.tenancies.map((t) => t.datacenter.id)).toEqual([os.id]);
  });

  it('cannot create, update or delete datacenters', async () => {
    const os = await createDc(openstack);
    const user = await userWithTenancyIn(null);
    const before = await gw.store.db.select().from(datacenters);
    for (const res of [
      await gw.gql(CreateDatacenterDocument, { input: cloudstack }, { token: user.token }),
      await gw.gql(UpdateDatacenterDocument, { id: os.id, input: { name: 'mine' } }, { token: user.token }),
      await gw.gql(DeleteDatacenterDocument, { id: os.id }, { token: user.token }),
    ]) {
      expect(codes(res)).toEqual(['FORBIDDEN']);
    }
    expect(await gw.store.db.select().from(datacenters)).toEqual(before);
  });
});

test('the schema has no field through which credentials could be read', () => {
  const schema = buildSchema(fs.readFileSync(path.join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
  const { data } = graphqlSync({ schema, source: getIntrospectionQuery() }) as unknown as { data: IntrospectionQuery };
  const outputFields = data.__schema.types
    .filter((t) => (t.kind === 'OBJECT' || t.kind === 'INTERFACE') && t.name !== 'Mutation')
    .flatMap((t) => ('fields' in t && t.fields ? t.fields.map((f) => `${t.name}.${f.name}`) : []));
  // API keys are listed, never with their secret or its hash; a new key's secret is shown once, as a session's token is.
  const allowed = new Set(['CreateApiKeyPayload.secret', 'CreateApiKeyPayload.apiKey', 'Query.apiKeys']);
  expect(outputFields.filter((f) => /password|secret|credential|apikey|hash/i.test(f.split('.')[1]) && !allowed.has(f))).toEqual([]);
  expect(outputFields).toContain('LoginPayload.token');
  expect(outputFields).toContain('CreateApiKeyPayload.secret');
});

test('no response of this file carried a credential', () => {
  expect(responses.length).toBeGreaterThan(40);
  const all = responses.join('\n');
  for (const secret of [OS_PASSWORD, CS_PASSWORD, CS_API_KEY, CS_SECRET, 'rotated-password', 'v1.']) {
    expect(all).not.toContain(secret);
  }
});
