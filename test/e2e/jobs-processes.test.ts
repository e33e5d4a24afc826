import crypto from 'node:crypto';
import Redis from 'ioredis';
import { testEnv, ADMIN_LOGIN, ADMIN_PASSWORD } from '../support/app';
import { startNode, startRedis, type Child } from '../support/processes';
import { describeWith, serviceUrl } from '../support/services';
import { openPostgresStore } from '../support/store';
import { wsClient } from '../support/ws';

/*
 * Jobs across real processes on Postgres and Redis: gateways that run no jobs, workers that run
 * nothing else, and simulators behind gateway A (the datacenters they register are rows every
 * process reads). The Redis server is the file's own, so that FLUSHALL touches nothing else.
 * Builds take 3 s (SIM_TIME_SCALE=1); a worker takes 20 jobs at once. Twice: with BullMQ on
 * Redis, and with the job table as the queue (Postgres alone: events do not cross processes
 * then, so waits and checks read the job rows).
 */

type Cloud = 'OPENSTACK' | 'CLOUDSTACK';
const CLOUDS: Cloud[] = ['OPENSTACK', 'CLOUDSTACK'];

interface Gql {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

interface User {
  id: string;
  token: string;
  tenancy: Record<Cloud, string>;
  network: Record<Cloud, string>;
}

function describeWithBoth(): boolean {
  return !!serviceUrl('postgres') && !!serviceUrl('redis');
}

function processes(mode: 'bullmq' | 'table') {
  const children: Child[] = [];
  let store: Awaited<ReturnType<typeof openPostgresStore>> | null = null;
  let env: Record<string, string | undefined> = {};
  let redisUrl = '';
  let urlA = '';
  let urlB = '';
  let worker: Child;
  let admin = '';
  let image: Record<Cloud, string>;
  let flavor: Record<Cloud, string>;
  let datacenter: Record<Cloud, string>;

  async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token = admin, wait = true): Promise<Gql> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(wait ? { prefer: 'wait=120' } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Gql;
  }

  async function ok(url: string, query: string, variables: Record<string, unknown> = {}, token = admin, wait = true): Promise<Record<string, any>> {
    const body = await gql(url, query, variables, token, wait);
    if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body)}`);
    return body.data;
  }

  function startWorker(): Child {
    const w = startNode('dist/worker.js', { ...env, JOB_CONCURRENCY: '20', LOG_LEVEL: 'info' }, children);
    return w;
  }

  let users = 0;
  async function newUser(): Promise<User> {
    users += 1;
    const username = `u${users}-${crypto.randomBytes(2).toString('hex')}`;
    const password = `${username}-password-1`;
    const { createUser } = await ok(urlB, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', {
      input: { username, password, email: `${username}@example.com`, ctUserId: `ct_${username}`, ctAccountId: `acct_${username}` },
    });
    const tenancy = {} as Record<Cloud, string>;
    for (const cloud of CLOUDS) {
      const { registerTenancy } = await ok(urlB, 'mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id status } } }', {
        u: createUser.id,
        d: datacenter[cloud],
      });
      if (registerTenancy.tenancy.status !== 'ACTIVE') throw new Error(`tenancy ${registerTenancy.tenancy.status}`);
      tenancy[cloud] = registerTenancy.tenancy.id;
    }
    const { login } = await ok(urlB, 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', { l: username, p: password });
    const network = {} as Record<Cloud, string>;
    for (const [i, cloud] of CLOUDS.entries()) {
      const { createNetwork } = await ok(
        urlB,
        'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { job { status } network { id } } }',
        { input: { tenancyId: tenancy[cloud], name: `${username}-net`, cidr: `10.${users}.0.0/16`, subnet: { name: 'a', cidr: `10.${users}.${i + 1}.0/24` } } },
        login.token,
      );
      network[cloud] = createNetwork.network.id;
    }
    return { id: createUser.id, token: login.token, tenancy, network };
  }

  const CREATE = 'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { id status } instance { id } } }';

  /** Queues `perCloud` creates in each cloud for `user`, all at once, without waiting. */
  async function queueCreates(user: User, perCloud: number, prefix: string): Promise<string[]> {
    const calls = CLOUDS.flatMap((cloud) =>
      Array.from({ length: perCloud }, (_, i) =>
        ok(
          urlB,
          CREATE,
          { input: { tenancyId: user.tenancy[cloud], name: `${prefix}-${i}-${crypto.randomBytes(3).toString('hex')}`, imageId: image[cloud], flavorId: flavor[cloud], networkId: user.network[cloud] } },
          user.token,
          false,
        ),
      ),
    );
    const results = await Promise.all(calls);
    for (const r of results) expect(r.createInstance.job.status).toBe('QUEUED');
    return results.map((r) => r.createInstance.job.id as string);
  }

  interface JobView {
    id: string;
    status: string;
    attempts: number;
    resourceId: string | null;
    events: { seq: number; status: string; message: string | null }[];
  }

  async function jobsOf(ids: string[]): Promise<JobView[]> {
    return Promise.all(ids.map(async (id) => (await ok(urlA, 'query($id: ID!) { job(id: $id) { id status attempts resourceId events { seq status message } } }', { id })).job as JobView));
  }

  async function untilAllEnded(ids: string[], timeoutMs: number): Promise<JobView[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await jobsOf(ids);
      if (views.every((j) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(j.status))) return views;
      if (Date.now() > deadline) throw new Error(`not ended: ${JSON.stringify(views.filter((j) => !['SUCCEEDED', 'FAILED'].includes(j.status)).map((j) => [j.status, j.events.at(-1)]))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Instances the clouds list for the user (the simulators' own lists, through the tenant's credentials), by name prefix. */
  async function instancesOf(user: User, prefix: string): Promise<string[]> {
    const names: string[] = [];
    for (const cloud of CLOUDS) {
      const { node } = await ok(urlA, 'query($id: ID!) { node(id: $id) { ... on Tenancy { instances(first: 100) { nodes { name status } } } } }', { id: user.tenancy[cloud] }, user.token);
      names.push(...node.instances.nodes.filter((n: { name: string }) => n.name.startsWith(prefix)).map((n: { name: string }) => n.name));
    }
    return names;
  }

  beforeAll(async () => {
    store = await openPostgresStore(serviceUrl('postgres')!);
    redisUrl = mode === 'bullmq' ? (await startRedis(children)).url : '';
    env = {
      ...testEnv({ DATABASE_URL: store.url, REDIS_URL: redisUrl || undefined, LOG_LEVEL: 'warn', SIM_TIME_SCALE: '1' }),
      JOB_WORKER: 'false',
      JOB_LEASE_SECONDS: '2',
      JOB_RECONCILE_SECONDS: '1',
      JOB_RETRY_BASE_MS: '200',
    };
    const a = startNode('dist/main.js', { ...env, SIMULATORS: 'true' }, children);
    urlA = (await a.waitFor(/GraphQL \(HTTP and WebSocket\) at (\S+)/))[1];
    const b = startNode('dist/main.js', env, children);
    urlB = (await b.waitFor(/GraphQL \(HTTP and WebSocket\) at (\S+)/))[1];
    worker = startWorker();
    await worker.waitFor(/worker is up/);
    admin = (await ok(urlB, 'mutation($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', { l: ADMIN_LOGIN, p: ADMIN_PASSWORD }, '')).login.token;
    const { datacenters } = await ok(urlB, '{ datacenters { id kind images { id name status minDiskGb } flavors { id diskGb cpu } } }');
    datacenter = {} as Record<Cloud, string>;
    image = {} as Record<Cloud, string>;
    flavor = {} as Record<Cloud, string>;
    for (const dc of datacenters as { id: string; kind: Cloud; images: any[]; flavors: any[] }[]) {
      datacenter[dc.kind] = dc.id;
      const img = dc.images.find((i) => i.status === 'ACTIVE' && !/broken/i.test(i.name));
      image[dc.kind] = img.id;
      flavor[dc.kind] = dc.flavors.filter((x) => x.diskGb === 0 || x.diskGb >= img.minDiskGb).sort((x, y) => x.cpu - y.cpu)[0].id;
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of children.reverse()) await c.kill('SIGTERM');
    await store?.close();
  }, 60_000);

  /** Kills the worker in the middle of `owners` × 10 creates and starts another: every job ends SUCCEEDED, each VM made once. */
  async function killDuringCreates(owners: User[]) {
    const ids = (await Promise.all(owners.map((u) => queueCreates(u, 5, 'kill')))).flat();
    expect(ids).toHaveLength(owners.length * 10);
    // Some jobs have asked their cloud and are waiting on the build when the worker dies.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const running = (await jobsOf(ids)).filter((j) => j.status === 'RUNNING' && j.events.some((e) => e.status === 'RUNNING' && e.message !== 'started'));
      if (running.length >= 5) break;
      if (Date.now() > deadline) throw new Error('no job got under way');
      await new Promise((r) => setTimeout(r, 100));
    }
    await worker.kill('SIGKILL');
    worker = startWorker();
    await worker.waitFor(/worker is up/);

    const views = await untilAllEnded(ids, 150_000);
    expect(views.filter((j) => j.status !== 'SUCCEEDED')).toEqual([]);
    expect(views.filter((j) => j.attempts > 1 && j.events.some((e) => /^resumed/.test(e.message ?? ''))).length).toBeGreaterThan(0);
    expect(new Set(views.map((j) => j.resourceId)).size).toBe(ids.length);
    const made = (await Promise.all(owners.map((u) => instancesOf(u, 'kill')))).flat();
    expect(made).toHaveLength(ids.length);
    expect(new Set(made).size).toBe(ids.length);
  }

  return { ok, newUser, queueCreates, untilAllEnded, instancesOf, killDuringCreates, urls: () => ({ a: urlA, b: urlB, redis: redisUrl }), worker: () => worker, datacenters: () => datacenter };
}

// Its own redis-server is started, so Redis must be on the machine too.
(describeWithBoth() ? describe : describe.skip)('jobs across processes: BullMQ on Redis', () => {
  const { ok, newUser, queueCreates, untilAllEnded, instancesOf, killDuringCreates, urls, worker, datacenters } = processes('bullmq');

  test("a tenancy registered through gateway B is listed at once by gateway A, which kept the user's tenancies (STORE_CACHE_MS)", async () => {
    const { a, b } = urls();
    const username = `kept-${crypto.randomBytes(3).toString('hex')}`;
    const { createUser } = await ok(b, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', {
      input: { username, password: `${username}-password-1`, email: `${username}@example.com` },
    });
    const listedOn = async (url: string) => (await ok(url, 'query($id: ID!) { user(id: $id) { tenancies { id status } } }', { id: createUser.id })).user.tenancies;
    // A reads the user's list, none yet, and keeps it for STORE_CACHE_MS (10 s).
    expect(await listedOn(a)).toEqual([]);
    const { registerTenancy } = await ok(b, 'mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { tenancy { id status } } }', {
      u: createUser.id,
      d: datacenters().OPENSTACK,
    });
    expect(registerTenancy.tenancy.status).toBe('ACTIVE');
    // B wrote the row and the worker made it ACTIVE: both told every process over Redis to forget it.
    const expected = [{ id: registerTenancy.tenancy.id, status: 'ACTIVE' }];
    const deadline = Date.now() + 2000;
    let onA = await listedOn(a);
    while (JSON.stringify(onA) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      onA = await listedOn(a);
    }
    expect(onA).toEqual(expected);
  }, 60_000);

  test('a job started on gateway B streams every event, in order, to a subscriber on gateway A', async () => {
    const user = await newUser();
    const client = wsClient(urls().a, { authorization: `Bearer ${user.token}` });
    const seen: { jobId: string; seq: number; status: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe(
        { query: 'subscription($user: ID) { jobEvents(userId: $user) { jobId seq status } }', variables: { user: user.id } },
        { next: (r) => void seen.push((r.data as any).jobEvents), error: reject, complete: () => undefined },
      );
      // The subscription is live once the gateway has it: give the socket its round trip.
      setTimeout(resolve, 500);
    });
    const [jobId] = await queueCreates(user, 1, 'ab');
    const [view] = await untilAllEnded([jobId], 60_000);
    expect(view.status).toBe('SUCCEEDED');
    // Give the last event its way across Redis before comparing.
    await new Promise((r) => setTimeout(r, 300));
    await client.dispose();
    const streamed = seen.filter((e) => e.jobId === jobId);
    expect(streamed.map((e) => e.seq)).toEqual(view.events.map((e) => e.seq));
    expect(streamed.map((e) => e.status)).toEqual(view.events.map((e) => e.status));
    expect(streamed[0].status).toBe('QUEUED');
    expect(streamed.map((e) => e.status)).toContain('RUNNING');
    expect(streamed.at(-1)!.status).toBe('SUCCEEDED');
    expect(view.events.map((e) => e.seq)).toEqual(view.events.map((_, i) => i + 1));
  }, 120_000);

  test('FLUSHALL in the middle of a run: every job still finishes, none twice', async () => {
    const owners = [await newUser(), await newUser(), await newUser()];
    const ids = (await Promise.all(owners.map((u) => queueCreates(u, 5, 'flush')))).flat();
    expect(ids).toHaveLength(30);
    // 20 run, 10 wait in Redis: the flush loses the waiting entries and the running ones' locks.
    await new Promise((r) => setTimeout(r, 800));
    const redis = new Redis(urls().redis);
    await redis.flushall();
    redis.disconnect();

    const views = await untilAllEnded(ids, 90_000);
    expect(views.filter((j) => j.status !== 'SUCCEEDED')).toEqual([]);
    expect(new Set(views.map((j) => j.resourceId)).size).toBe(30);
    const made = (await Promise.all(owners.map((u) => instancesOf(u, 'flush')))).flat();
    expect(made).toHaveLength(30);
    expect(new Set(made).size).toBe(30);
    // The waiting entries were lost with the flush and put back from the job table.
    expect(worker().output()).toMatch(/job reconciler: queue entries restored/);
  }, 180_000);

  test('SIGKILL of the worker in the middle of 50 concurrent creates: another worker finishes every job, exactly 50 VMs exist', async () => {
    await killDuringCreates(await Promise.all([0, 1, 2, 3, 4].map(() => newUser())));
  }, 240_000);
});

describeWith('postgres')('jobs across processes: the job table as the queue (no Redis)', () => {
  const { newUser, killDuringCreates } = processes('table');

  test('SIGKILL of the worker in the middle of 20 concurrent creates: another worker takes the jobs over once their lease runs out', async () => {
    await killDuringCreates([await newUser(), await newUser()]);
  }, 240_000);
});
