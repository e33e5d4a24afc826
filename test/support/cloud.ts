import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { CatalogReader, Operation, TenantCredentials, TenantDriver } from '../../src/clouds/driver';
import type { ReadHorizon } from '../../src/clouds/read-horizon';
import { DatacenterService } from '../../src/graph/datacenter/datacenter.service';
import { tenancies } from '../../src/store/schema';
import { openTestStore, type TestStore } from './store';
import { startGateway, type TestGateway } from './app';

/*
 * The graph over real HTTP: a gateway in embedded mode with its two simulated datacenters
 * (time scale 0: operations finish on the next poll), and tenants registered in both through
 * the GraphQL API itself. The fixture lives for the whole file — registering tenants is what
 * costs — so tests name what they create uniquely instead of emptying the store.
 */

export type Cloud = 'OPENSTACK' | 'CLOUDSTACK';
export const CLOUDS: Cloud[] = ['OPENSTACK', 'CLOUDSTACK'];

export interface Tenant {
  userId: string;
  username: string;
  token: string;
  /** Tenancy global ids by cloud. */
  tenancy: Record<Cloud, string>;
}

/** The console's estate view (`operations/console.graphql`). */
export const CONSOLE_QUERY = fs.readFileSync(path.resolve(__dirname, '..', '..', 'operations', 'console.graphql'), 'utf8');

export interface CloudFixture {
  gw: TestGateway;
  admin: string;
  /** Datacenter global ids by cloud. */
  datacenter: Record<Cloud, string>;
  alice: Tenant;
  bob: Tenant;
  /** Runs an operation and fails the test on any error; returns `data`. */
  ok<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T>;
  /** Calls per operation a simulator answered since the last `resetStats`. */
  stats(cloud: Cloud): Promise<{ total: number; operations: Record<string, number> }>;
  /** Calls both simulators answered since the last `resetStats`. */
  totalCalls(): Promise<number>;
  /** The console query's answer as the tenant, its body's text; fails on any error. */
  consoleText(tenant: Tenant): Promise<string>;
  resetStats(): Promise<void>;
  /** Sets (or with `{}` clears) a simulator's injected faults. */
  faults(cloud: Cloud, faults: Record<string, unknown>): Promise<void>;
  simUrl(cloud: Cloud): string;
  /** The tenant's own driver, straight to its cloud (to set up or check what the graph should see). */
  driver(tenant: Tenant, cloud: Cloud, horizon?: ReadHorizon): Promise<TenantDriver>;
}

/** The local id inside a global id. */
export function localOf(globalId: string): string {
  const parts = JSON.parse(Buffer.from(globalId, 'base64url').toString()) as string[];
  return parts[parts.length - 1];
}

/** Follows a driver operation to its end; the id of what it made. */
export async function settle(reader: CatalogReader, op: Operation<unknown>): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const status = await reader.pollOperation(op.handle);
    if (status.done) {
      if (!status.ok) throw new Error(`operation failed: ${status.error.message}`);
      return status.resourceId ?? (op.resource as { id?: string; name?: string } | null)?.id ?? '';
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('operation did not finish');
}

let counter = 0;
/** A name no other test of the run uses. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid % 1000}-${counter}`;
}

export function useCloudGateway(env: Record<string, string | undefined> = {}): CloudFixture {
  let store: TestStore | undefined;
  let gw: TestGateway | undefined;
  const f: Partial<CloudFixture> = {};

  beforeAll(async () => {
    store = await openTestStore();
    gw = await startGateway(store, { SIMULATORS: 'true', SIM_TIME_SCALE: '0', ...env });
    f.gw = gw;
    f.admin = await gw.adminToken();
    const ok: CloudFixture['ok'] = async (query, variables, token) => {
      const res = await gw!.gql(query, variables as never, { token: token ?? f.admin });
      if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${res.text}`);
      return res.data as never;
    };
    f.ok = ok;
    const dcs = await ok<{ datacenters: { id: string; kind: Cloud }[] }>('{ datacenters { id kind } }');
    f.datacenter = Object.fromEntries(dcs.datacenters.map((d) => [d.kind, d.id])) as Record<Cloud, string>;
    f.alice = await tenant(ok, f.datacenter, 'alice');
    f.bob = await tenant(ok, f.datacenter, 'bob');
    f.simUrl = (cloud) => (cloud === 'OPENSTACK' ? gw!.simulators!.openstack : gw!.simulators!.cloudstack);
    f.stats = async (cloud) => (await (await fetch(`${f.simUrl!(cloud)}/_sim/stats`)).json()) as never;
    f.totalCalls = async () => {
      let sum = 0;
      for (const cloud of CLOUDS) sum += (await f.stats!(cloud)).total;
      return sum;
    };
    f.consoleText = async (tenant) => {
      const res = await gw!.gql(CONSOLE_QUERY, {}, { token: tenant.token });
      if (res.errors?.length) throw new Error(res.text);
      return res.text;
    };
    f.resetStats = async () => {
      await Promise.all(CLOUDS.map((c) => fetch(`${f.simUrl!(c)}/_sim/reset`, { method: 'POST' })));
    };
    f.faults = async (cloud, faults) => {
      const res = await fetch(`${f.simUrl!(cloud)}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: 0, errorRate: 0, failingOperations: [], outage: false, hangMs: 0, ...faults }),
      });
      if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`);
    };
    f.driver = async (tenant, cloud, horizon) => {
      const [row] = await gw!.store.db.select().from(tenancies).where(eq(tenancies.id, localOf(tenant.tenancy[cloud])));
      const credentials = gw!.app.deps.secrets.openJson<TenantCredentials>(row.credentials!, `tenancy:${row.id}:credentials`);
      const dc = await new DatacenterService(gw!.app.deps).byId(row.datacenterId);
      return new DatacenterService(gw!.app.deps).driver(dc!).tenant(credentials, horizon);
    };
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await store?.close();
  });

  return new Proxy({} as CloudFixture, {
    get(_target, key) {
      if (!f.gw) throw new Error('the cloud fixture starts in beforeAll; use it inside tests and hooks');
      return f[key as keyof CloudFixture];
    },
  });
}

async function tenant(ok: CloudFixture['ok'], datacenter: Record<Cloud, string>, username: string): Promise<Tenant> {
  const password = `${username}-password-1`;
  const created = await ok<{ createUser: { id: string } }>(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { username, password, email: `${username}@example.com`, ctUserId: `ct_user_${username}`, ctAccountId: `acct_${username}` } },
  );
  const userId = created.createUser.id;
  const tenancy = {} as Record<Cloud, string>;
  for (const cloud of CLOUDS) {
    const res = await ok<{ registerTenancy: { tenancy: { id: string; status: string; error: unknown } } }>(
      'mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id status error } } }',
      { u: userId, d: datacenter[cloud] },
    );
    if (res.registerTenancy.tenancy.status !== 'ACTIVE') throw new Error(`registration failed: ${JSON.stringify(res.registerTenancy.tenancy.error)}`);
    tenancy[cloud] = res.registerTenancy.tenancy.id;
  }
  const login = await ok<{ login: { token: string } }>('mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', {
    l: username,
    p: password,
  });
  return { userId, username, token: login.login.token, tenancy };
}

export interface Booted {
  /** Global ids. */
  id: string;
  networkId: string;
  name: string;
}

/** The input of a createInstance for `tenant`: the first bootable image, the smallest flavor whose disk holds it, and a new network of its own. */
export async function instanceInput(f: CloudFixture, tenant: Tenant, cloud: Cloud, name: string) {
  const octet = 100 + (Number(name.split('-').pop()) % 150);
  const { node: tenancy } = await f.ok(
    'query($id: ID!) { node(id: $id) { ... on Tenancy { datacenter { images { id status name minDiskGb } flavors { id cpu memoryMb diskGb } } } } }',
    { id: tenant.tenancy[cloud] },
    tenant.token,
  );
  const image = tenancy.datacenter.images.find((i: { status: string; name: string }) => i.status === 'ACTIVE' && !/broken/i.test(i.name));
  const flavor = tenancy.datacenter.flavors.find((x: { diskGb: number }) => x.diskGb === 0 || x.diskGb >= image.minDiskGb);
  const { createNetwork } = await f.ok(
    'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network { id } } }',
    { input: { tenancyId: tenant.tenancy[cloud], name: `${name}-net`, cidr: `10.${octet}.0.0/16`, subnet: { name: `${name}-a`, cidr: `10.${octet}.1.0/24` } } },
    tenant.token,
  );
  return { tenancyId: tenant.tenancy[cloud], name, imageId: image.id as string, flavorId: flavor.id as string, networkId: createNetwork.network.id as string };
}

/**
 * A RUNNING instance of `tenant` on a network of its own, made through the graph (see
 * instanceInput). `rootDiskGb` boots it from a volume (OpenStack), so that it has a system
 * disk to list.
 */
export async function bootInstance(f: CloudFixture, tenant: Tenant, cloud: Cloud, options: { rootDiskGb?: number } = {}): Promise<Booted> {
  const input = await instanceInput(f, tenant, cloud, unique('vm'));
  const { createInstance } = await f.ok(
    'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { instance { id status } } }',
    { input: { ...input, rootDiskGb: options.rootDiskGb ?? null } },
    tenant.token,
  );
  if (createInstance.instance?.status !== 'RUNNING') throw new Error(`instance ${input.name} is ${createInstance.instance?.status}`);
  return { id: createInstance.instance.id, networkId: input.networkId, name: input.name };
}
