import { unique, useCloudGateway } from '../support/cloud';

// Simulated builds take seconds here (time scale 3); a job may run one second at most.
const f = useCloudGateway({ SIM_TIME_SCALE: '3', JOB_DEADLINE_SECONDS: '1' });

it('fails a job that outlives its deadline instead of hanging, keeping why', async () => {
  const name = unique('slow');
  const { node } = await f.ok(
    'query($id: ID!) { node(id: $id) { ... on Tenancy { datacenter { images { id status name } flavors { id diskGb } } } } }',
    { id: f.alice.tenancy.OPENSTACK },
    f.alice.token,
  );
  const image = node.datacenter.images.find((i: { status: string; name: string }) => i.status === 'ACTIVE' && !/broken/i.test(i.name));
  const { createNetwork } = await f.ok(
    'mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network { id } } }',
    { input: { tenancyId: f.alice.tenancy.OPENSTACK, name: `${name}-net`, subnet: { name: 's', cidr: '10.70.1.0/24' } } },
    f.alice.token,
  );
  const res = await f.gw.gql(
    'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { id } } }',
    { input: { tenancyId: f.alice.tenancy.OPENSTACK, name, imageId: image.id, flavorId: node.datacenter.flavors.at(-1).id, networkId: createNetwork.network.id } },
    { token: f.alice.token },
  );
  expect(res.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  expect(res.errors?.[0].message).toMatch(/deadline/);
  const { jobs } = await f.ok('{ jobs(status: FAILED, first: 1) { nodes { kind status error { code message } } } }', {}, f.alice.token);
  expect(jobs.nodes[0]).toMatchObject({ kind: 'createInstance', status: 'FAILED', error: { code: 'UPSTREAM_UNAVAILABLE' } });
});
