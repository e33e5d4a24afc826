import { instanceInput, unique, useCloudGateway } from '../support/cloud';

// Simulated builds take seconds here (time scale 3): long enough to cancel one under way.
const f = useCloudGateway({ SIM_TIME_SCALE: '3' });

const JOB = 'query($id: ID!) { job(id: $id) { status cancelRequestedAt error { code } events { status } } }';

it('stops a running job at its next poll: CANCELLED, the mutation told why', async () => {
  const name = unique('cancel');
  const input = await instanceInput(f, f.alice, 'OPENSTACK', name);
  const creating = f.gw.gql(
    'mutation($input: CreateInstanceInput!) { createInstance(input: $input) { job { id } } }',
    { input },
    { token: f.alice.token },
  );
  let jobId: string | undefined;
  for (let i = 0; i < 100 && !jobId; i++) {
    const { jobs } = await f.ok('{ jobs(status: RUNNING, first: 5) { nodes { id kind } } }', {}, f.alice.token);
    jobId = jobs.nodes.find((j: { kind: string }) => j.kind === 'createInstance')?.id;
    if (!jobId) await new Promise((r) => setTimeout(r, 50));
  }
  expect(jobId).toBeDefined();

  const stranger = await f.gw.gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: jobId }, { token: f.bob.token });
  expect(stranger.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  const { cancelJob } = await f.ok('mutation($id: ID!) { cancelJob(id: $id) { id cancelRequestedAt } }', { id: jobId }, f.alice.token);
  expect(cancelJob).toEqual({ id: jobId, cancelRequestedAt: expect.any(String) });

  const res = await creating;
  expect(res.errors?.[0]).toMatchObject({ message: 'The job was cancelled.', extensions: { code: 'CONFLICT' } });
  const { job } = await f.ok(JOB, { id: jobId }, f.alice.token);
  expect(job.status).toBe('CANCELLED');
  expect(job.events.at(-1).status).toBe('CANCELLED');

  const again = await f.gw.gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: jobId }, { token: f.alice.token });
  expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'id' });
});
