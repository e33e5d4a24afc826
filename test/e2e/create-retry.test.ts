import { CLOUDS, instanceInput, unique, useCloudGateway, type Cloud } from '../support/cloud';

/*
 * A create whose answer never reached its job: the cloud made the instance, the job took the
 * silence for a transient failure and came back for a second attempt. The first attempt looked
 * for nothing (nothing could exist yet); the second looks for what the first made, finds it and
 * creates nothing more.
 */

const f = useCloudGateway({
  // The create's answer comes after the gateway stopped waiting for it.
  UPSTREAM_TIMEOUT_MS: '1000',
  UPSTREAM_MAX_ATTEMPTS: '1',
  UPSTREAM_BREAKER_THRESHOLD: '1000',
  JOB_RETRY_BASE_MS: '300',
  JOB_MAX_ATTEMPTS: '3',
});

const CREATE_CALL: Record<Cloud, string> = { OPENSTACK: 'nova.servers.create', CLOUDSTACK: 'deployVirtualMachine' };
const LOOK_UP: Record<Cloud, string> = { OPENSTACK: 'nova.servers.detail', CLOUDSTACK: 'listVirtualMachines' };
const CREATE = 'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { id status } } }';
const JOB = 'query($id: ID!) { job(id: $id) { status resourceId events { status message } } }';

describe.each(CLOUDS)('on %s', (cloud) => {
  afterEach(() => f.faults(cloud, {}));

  test('the second attempt finds the instance the first one made, and makes no other', async () => {
    const input = await instanceInput(f, f.alice, cloud, unique('retried'));
    await f.faults(cloud, { answerDelayMs: 1500, answerDelayOperations: [CREATE_CALL[cloud]] });
    await f.resetStats();
    const res = await f.gw.gql<any, any>(CREATE, { input }, { token: f.alice.token, async: true });
    const jobId = res.data.createInstance.job.id as string;

    let job: { status: string; resourceId: string | null; events: { status: string; message: string | null }[] };
    for (const deadline = Date.now() + 20_000; ; ) {
      job = (await f.ok(JOB, { id: jobId }, f.alice.token)).job;
      if (job.events.some((e) => /^resumed \(attempt 2\)/.test(e.message ?? ''))) await f.faults(cloud, {});
      if (job.status === 'SUCCEEDED' || job.status === 'FAILED' || job.status === 'CANCELLED') break;
      if (Date.now() > deadline) throw new Error(`job not ended: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.status).toBe('SUCCEEDED');
    expect(job.events.filter((e) => /^resumed \(attempt 2\)/.test(e.message ?? ''))).toHaveLength(1);
    const calls = (await f.stats(cloud)).operations;
    expect(calls[CREATE_CALL[cloud]]).toBe(1);
    expect(calls[LOOK_UP[cloud]]).toBeGreaterThanOrEqual(1);

    const { node } = await f.ok(
      'query($id: ID!, $name: String) { node(id: $id) { ... on Tenancy { instances(search: $name) { nodes { id name } } } } }',
      { id: f.alice.tenancy[cloud], name: input.name },
      f.alice.token,
    );
    expect(node.instances.nodes).toEqual([{ id: job.resourceId, name: input.name }]);
  }, 30_000);
});
