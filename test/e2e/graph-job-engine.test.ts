import { eq } from 'drizzle-orm';
import { jobEvents, jobs } from '../../src/store/schema';
import { CLOUDS, instanceInput, localOf, unique, useCloudGateway, type Cloud } from '../support/cloud';
import { wsClient } from '../support/ws';

/*
 * The job engine as a client meets it, on the embedded defaults: a long mutation comes back at
 * once with its job QUEUED, the in-process worker runs it, the events stream over graphql-ws;
 * a cloud that is down for a while costs a retry, not the job.
 */

const f = useCloudGateway({
  // Builds take a tenth of their time: long enough for the cloud's progress to show in the events.
  SIM_TIME_SCALE: '0.1',
  // A retry comes 1.5 s after a transient failure (then 3 s): time to see the job QUEUED again.
  JOB_RETRY_BASE_MS: '1500',
  JOB_MAX_ATTEMPTS: '3',
  UPSTREAM_MAX_ATTEMPTS: '1',
  UPSTREAM_BREAKER_THRESHOLD: '1000',
});

const NETWORK_CREATE: Record<Cloud, string> = { OPENSTACK: 'neutron.networks.create', CLOUDSTACK: 'createVPC' };
const CREATE_NETWORK = 'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { job { id status } network { id } } }';
const JOB = 'query($id: ID!) { job(id: $id) { id kind status resourceId error { code message } events { seq status progress message } } }';
const PROGRESS = 'subscription($id: ID!) { jobProgress(id: $id) { seq status progress message } }';

async function mutateAsync(query: string, variables: Record<string, unknown>, token: string) {
  const res = await f.gw.gql<any, any>(query, variables, { token, async: true });
  if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${res.text}`);
  return res.data;
}

async function job(id: string, token: string) {
  return (await f.ok(JOB, { id }, token)).job;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(CLOUDS)('the job engine on %s', (cloud) => {
  afterEach(() => f.faults(cloud, {}));

  test('a create comes back QUEUED at once; its events stream QUEUED → RUNNING → progress → SUCCEEDED over graphql-ws', async () => {
    const name = unique('async');
    const password = `Pw-${name}-9x`;
    const input = await instanceInput(f, f.alice, cloud, name);
    const { createInstance } = await mutateAsync(
      'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { id status progress } instance { id } } }',
      { input: { ...input, adminPassword: password } },
      f.alice.token,
    );
    expect(createInstance.job).toMatchObject({ status: 'QUEUED', progress: 0 });
    expect(createInstance.instance).toBeNull();

    const client = wsClient(f.gw.url, { authorization: `Bearer ${f.alice.token}` });
    const events: { seq: number; status: string; progress: number; message: string | null }[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe({ query: PROGRESS, variables: { id: createInstance.job.id } }, { next: (r) => void events.push((r.data as any).jobProgress), error: reject, complete: resolve });
    });
    await client.dispose();

    const statuses = events.map((e) => e.status);
    expect(statuses[0]).toBe('QUEUED');
    expect(statuses).toContain('RUNNING');
    expect(statuses.at(-1)).toBe('SUCCEEDED');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    // The step's event, then the cloud's progress of the build, between the start and the end.
    const building = events.filter((e) => e.status === 'RUNNING' && /creating instance/.test(e.message ?? ''));
    expect(building[0].progress).toBe(5);
    // A poll of the build (CloudStack's async jobs report no percentage: 1 until done).
    expect(building.slice(1).some((e) => e.progress > 0 && e.progress < 100)).toBe(true);

    const ended = await job(createInstance.job.id, f.alice.token);
    expect(ended).toMatchObject({ kind: 'createInstance', status: 'SUCCEEDED', error: null });
    const { node: instance } = await f.ok('query($id: ID!) { node(id: $id) { ... on Instance { name status } } }', { id: ended.resourceId }, f.alice.token);
    expect(instance).toEqual({ name, status: 'RUNNING' });
    // The root password went to the cloud sealed with the job, and is in no row or event of it now.
    const jobId = localOf(createInstance.job.id);
    const [row] = await f.gw.store.db.select().from(jobs).where(eq(jobs.id, jobId));
    const stored = await f.gw.store.db.select().from(jobEvents).where(eq(jobEvents.jobId, jobId));
    expect(JSON.stringify([row, stored])).not.toContain(password);
    expect(row.state).not.toHaveProperty('sealed');
  }, 30_000);

  test('the cloud down for a while: the job goes back to QUEUED with the reason, then succeeds once, with one network made', async () => {
    const name = unique('retry');
    await f.faults(cloud, { failingOperations: [NETWORK_CREATE[cloud]], errorStatus: 503 });
    await f.resetStats();
    const { createNetwork } = await mutateAsync(
      CREATE_NETWORK,
      { input: { tenancyId: f.alice.tenancy[cloud], name, subnet: { name: 'a', cidr: '10.61.1.0/24' } } },
      f.alice.token,
    );
    expect(createNetwork.job.status).toBe('QUEUED');
    const retrying = await until(
      () => job(createNetwork.job.id, f.alice.token),
      (j) => j.events.some((e: any) => e.status === 'QUEUED' && /attempt 1 of 3/.test(e.message)),
    );
    expect(retrying.status).toBe('QUEUED');
    await f.faults(cloud, {});

    const ended = await until(
      () => job(createNetwork.job.id, f.alice.token),
      (j) => j.status !== 'QUEUED' && j.status !== 'RUNNING',
    );
    expect(ended).toMatchObject({ status: 'SUCCEEDED', error: null });
    expect(ended.events.filter((e: any) => e.status === 'RUNNING' && e.message === 'resumed (attempt 2)')).toHaveLength(1);
    const { node } = await f.ok(
      'query($id: ID!, $name: String) { node(id: $id) { ... on Tenancy { networks(search: $name) { nodes { id name } } } } }',
      { id: f.alice.tenancy[cloud], name },
      f.alice.token,
    );
    expect(node.networks.nodes).toEqual([{ id: ended.resourceId, name }]);
  }, 30_000);

  test('a cloud that keeps failing fails the job after its last attempt, with the cloud’s error kept', async () => {
    await f.faults(cloud, { failingOperations: [NETWORK_CREATE[cloud]], errorStatus: 503 });
    const { createNetwork } = await mutateAsync(
      CREATE_NETWORK,
      { input: { tenancyId: f.alice.tenancy[cloud], name: unique('down'), subnet: { name: 'a', cidr: '10.62.1.0/24' } } },
      f.alice.token,
    );
    const ended = await until(
      () => job(createNetwork.job.id, f.alice.token),
      (j) => j.status === 'FAILED',
      30_000,
    );
    expect(ended.error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(ended.events.filter((e: any) => e.status === 'QUEUED' && /attempt \d of 3/.test(e.message))).toHaveLength(2);
  }, 40_000);

  test('cancelJob on a job waiting for its retry ends it CANCELLED at once; nothing is made afterwards', async () => {
    const name = unique('cancel');
    await f.faults(cloud, { failingOperations: [NETWORK_CREATE[cloud]], errorStatus: 503 });
    const { createNetwork } = await mutateAsync(
      CREATE_NETWORK,
      { input: { tenancyId: f.alice.tenancy[cloud], name, subnet: { name: 'a', cidr: '10.63.1.0/24' } } },
      f.alice.token,
    );
    await until(
      () => job(createNetwork.job.id, f.alice.token),
      (j) => j.status === 'QUEUED' && j.events.length > 1,
    );
    await f.faults(cloud, {});
    const { cancelJob } = await f.ok('mutation($id: ID!) { cancelJob(id: $id) { status } }', { id: createNetwork.job.id }, f.alice.token);
    expect(cancelJob.status).toBe('CANCELLED');
    await f.resetStats();
    // Past the retry's time: the worker does not take a cancelled job.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await job(createNetwork.job.id, f.alice.token)).status).toBe('CANCELLED');
    expect((await f.stats(cloud)).operations[NETWORK_CREATE[cloud]] ?? 0).toBe(0);
  }, 30_000);

  test('once a create has ended, the next one polls its cloud about when the work ends, not ever more often', async () => {
    const poll = cloud === 'OPENSTACK' ? 'nova.servers.show' : 'queryAsyncJobResult';
    const create = async (name: string) => {
      // The instance's network is made first: only the create's own polls are counted.
      const input = await instanceInput(f, f.alice, cloud, name);
      await f.resetStats();
      const { createInstance } = await f.ok('mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { status } } }', { input }, f.alice.token);
      expect(createInstance.job.status).toBe('SUCCEEDED');
      return (await f.stats(cloud)).operations[poll] ?? 0;
    };
    await create(unique('first'));
    // A build of 0.3 s. OpenStack's progress aims the next poll; CloudStack's jobs tell none, so the
    // first poll waits for about when the first create ended, and the next follows it closely: 2
    // polls on a quiet machine, 3 when a loaded one makes the aim late (as polls doubling from
    // 0.1 s would take). The bound stops polling ever more often (every 50 ms: 6); the policy
    // itself is tested in test/unit/poll-policy.test.ts.
    const polls = await create(unique('second'));
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(polls).toBeLessThanOrEqual(3);
  }, 30_000);
});
