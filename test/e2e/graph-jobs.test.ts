import { CLOUDS, unique, useCloudGateway } from '../support/cloud';

const f = useCloudGateway();

const CREATE = `mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { job { id } network { id } } }`;
const JOB = `query($id: ID!) {
  job(id: $id) {
    id kind status progress message error { code }
    user { username } datacenter { kind } resourceId
    resource { id ... on Network { name } }
    events { jobId seq status progress }
    later: events(afterSeq: 1) { seq }
  }
}`;

async function createNetwork(token: string, tenancyId: string) {
  const name = unique('job-net');
  const data = await f.ok(CREATE, { input: { tenancyId, name, subnet: { name: `${name}-s`, cidr: '10.50.1.0/24' } } }, token);
  return { name, jobId: data.createNetwork.job.id as string, networkId: data.createNetwork.network.id as string };
}

describe.each(CLOUDS)('jobs of %s operations', (cloud) => {
  it('records each step in order, names the resource, and ends SUCCEEDED', async () => {
    const { name, jobId, networkId } = await createNetwork(f.alice.token, f.alice.tenancy[cloud]);
    const { job } = await f.ok(JOB, { id: jobId }, f.alice.token);
    expect(job).toMatchObject({
      id: jobId,
      kind: 'createNetwork',
      status: 'SUCCEEDED',
      progress: 100,
      error: null,
      user: { username: 'alice' },
      datacenter: { kind: cloud },
      resourceId: networkId,
      resource: { id: networkId, name },
    });
    const seqs = job.events.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
    expect(job.events.slice(0, 2).map((e: { status: string }) => e.status)).toEqual(['QUEUED', 'RUNNING']);
    expect(job.events.at(-1)).toMatchObject({ status: 'SUCCEEDED', progress: 100, jobId });
    expect(job.later.map((e: { seq: number }) => e.seq)).toEqual(seqs.slice(1));
  });

  it('keeps the cloud’s error when the cloud refuses', async () => {
    await f.faults(cloud, { failingOperations: [cloud === 'OPENSTACK' ? 'neutron.networks.create' : 'createVPC'], errorStatus: 409 });
    try {
      const name = unique('refused');
      const res = await f.gw.gql(CREATE, { input: { tenancyId: f.alice.tenancy[cloud], name, subnet: { name: `${name}-s`, cidr: '10.51.1.0/24' } } }, { token: f.alice.token });
      expect(res.errors?.[0].extensions).toMatchObject({ datacenter: expect.any(String), upstream: expect.objectContaining({ status: 409 }) });
      const failed = await f.ok<any>('{ jobs(status: FAILED, first: 1) { nodes { kind status error { code message upstream } } } }', {}, f.alice.token);
      expect(failed.jobs.nodes[0]).toMatchObject({ kind: 'createNetwork', status: 'FAILED', error: { code: res.errors?.[0].extensions?.code, upstream: expect.objectContaining({ status: 409 }) } });
    } finally {
      await f.faults(cloud, {});
    }
  });
});

describe('listing jobs', () => {
  it('shows users their own jobs only, newest first, in pages; admins everyone’s or one user’s', async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await createNetwork(f.bob.token, f.bob.tenancy.OPENSTACK)).jobId);
    const page1 = await f.ok<any>('{ jobs(first: 2) { totalCount nodes { id user { username } } pageInfo { hasNextPage endCursor } } }', {}, f.bob.token);
    expect(page1.jobs.nodes.map((n: { id: string }) => n.id)).toEqual([mine[2], mine[1]]);
    expect(page1.jobs.pageInfo.hasNextPage).toBe(true);
    const page2 = await f.ok<any>('query($after: String) { jobs(first: 2, after: $after) { nodes { id user { username } } } }', { after: page1.jobs.pageInfo.endCursor }, f.bob.token);
    expect(page2.jobs.nodes[0].id).toBe(mine[0]);
    for (const node of [...page1.jobs.nodes, ...page2.jobs.nodes]) expect(node.user.username).toBe('bob');

    const viewerJobs = await f.ok<any>('{ viewer { jobs(first: 100) { totalCount } } }', {}, f.bob.token);
    expect(viewerJobs.viewer.jobs.totalCount).toBe(page1.jobs.totalCount);

    const all = await f.ok<any>('{ jobs(first: 100) { totalCount } }', {}, f.admin);
    expect(all.jobs.totalCount).toBeGreaterThan(page1.jobs.totalCount);
    const bobs = await f.ok<any>('query($u: ID!) { jobs(userId: $u, first: 100) { totalCount } }', { u: f.bob.userId }, f.admin);
    expect(bobs.jobs.totalCount).toBe(page1.jobs.totalCount);

    // A user cannot widen the list to someone else.
    const widened = await f.ok<any>('query($u: ID!) { jobs(userId: $u, first: 100) { nodes { user { username } } } }', { u: f.alice.userId }, f.bob.token);
    for (const node of widened.jobs.nodes) expect(node.user.username).toBe('bob');

    const stolen = await f.gw.gql(JOB, { id: mine[0] }, { token: f.alice.token });
    expect(stolen.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses a page size over 100 and a cursor of another list, naming the argument', async () => {
    const big = await f.gw.gql('{ jobs(first: 101) { totalCount } }', {}, { token: f.alice.token });
    expect(big.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const cursor = await f.gw.gql('{ jobs(after: "bm90LWEtY3Vyc29y") { totalCount } }', {}, { token: f.alice.token });
    expect(cursor.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});
