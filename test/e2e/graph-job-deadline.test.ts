import { instanceInput, unique, useCloudGateway } from '../support/cloud';

// Simulated builds take seconds here (time scale 3); a job may run one second at most.
const f = useCloudGateway({ SIM_TIME_SCALE: '3', JOB_DEADLINE_SECONDS: '1' });

it('fails a job that outlives its deadline instead of hanging, keeping why', async () => {
  const name = unique('slow');
  const input = await instanceInput(f, f.alice, 'OPENSTACK', name);
  const res = await f.gw.gql(
    'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { id } } }',
    { input },
    { token: f.alice.token },
  );
  expect(res.errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
  expect(res.errors?.[0].message).toMatch(/deadline/);
  const { jobs } = await f.ok('{ jobs(status: FAILED, first: 1) { nodes { kind status error { code message } } } }', {}, f.alice.token);
  expect(jobs.nodes[0]).toMatchObject({ kind: 'createInstance', status: 'FAILED', error: { code: 'UPSTREAM_UNAVAILABLE' } });
});
