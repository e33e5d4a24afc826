import { CLOUDS, unique, useCloudGateway } from '../support/cloud';

const f = useCloudGateway();

const CREATE = `mutation($input: CreateNetworkInput!, $key: String) {
  createNetwork(input: $input, idempotencyKey: $key) { job { id status } network { id name } }
}`;
const networkCreates = (ops: Record<string, number>) => (ops['neutron.networks.create'] ?? 0) + (ops.createVPC ?? 0);

describe.each(CLOUDS)('idempotency keys on %s', (cloud) => {
  const input = (name: string) => ({ tenancyId: f.alice.tenancy[cloud], name, subnet: { name: `${name}-s`, cidr: '10.61.1.0/24' } });

  it('answers a repeated call with the first call’s job and resource, and makes nothing twice', async () => {
    const name = unique('idem');
    const key = unique('key');
    await f.resetStats();
    const first = await f.ok(CREATE, { input: input(name), key }, f.alice.token);
    const again = await f.ok(CREATE, { input: input(name), key }, f.alice.token);
    expect(again).toEqual(first);
    expect(networkCreates((await f.stats(cloud)).operations)).toBe(1);
    const listed = await f.ok('query($s: String) { viewer { tenancies { networks(search: $s) { totalCount } } } }', { s: name }, f.alice.token);
    expect(listed.viewer.tenancies.map((t: any) => t.networks.totalCount).reduce((a: number, b: number) => a + b)).toBe(1);
  });

  it('refuses the same key for other arguments, naming idempotencyKey', async () => {
    const key = unique('key');
    await f.ok(CREATE, { input: input(unique('idem')), key }, f.alice.token);
    await f.resetStats();
    const res = await f.gw.gql(CREATE, { input: input(unique('other')), key }, { token: f.alice.token });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    expect(networkCreates((await f.stats(cloud)).operations)).toBe(0);
  });

  it('keeps keys apart per user, and frees a key whose call was refused', async () => {
    const key = unique('key');
    const refused = await f.gw.gql(CREATE, { input: { ...input(unique('bad')), subnet: { name: 's', cidr: 'nope' } }, key }, { token: f.alice.token });
    expect(refused.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const mine = await f.ok(CREATE, { input: input(unique('idem')), key }, f.alice.token);
    const theirs = await f.ok(CREATE, { input: { ...input(unique('idem')), tenancyId: f.bob.tenancy[cloud] }, key }, f.bob.token);
    expect(theirs.createNetwork.job.id).not.toBe(mine.createNetwork.job.id);
  });
});

it('never keeps a secret shown once: a replayed createKeyPair answers no private key', async () => {
  const CREATE_KEY = 'mutation($t: ID!, $n: String!, $key: String) { createKeyPair(input: { tenancyId: $t, name: $n }, idempotencyKey: $key) { keyPair { id name } privateKey } }';
  const variables = { t: f.alice.tenancy.OPENSTACK, n: unique('kp'), key: unique('key') };
  const first = await f.ok(CREATE_KEY, variables, f.alice.token);
  expect(first.createKeyPair.privateKey).toMatch(/PRIVATE KEY/);
  const again = await f.ok(CREATE_KEY, variables, f.alice.token);
  expect(again.createKeyPair).toEqual({ keyPair: first.createKeyPair.keyPair, privateKey: null });
  const rows = await f.gw.store.db.execute('select response::text as r from idempotency_keys' as never);
  expect(JSON.stringify(rows)).not.toContain(first.createKeyPair.privateKey.split('\n')[1]);
});

it('refuses a malformed key', async () => {
  const res = await f.gw.gql(CREATE, { input: { tenancyId: f.alice.tenancy.OPENSTACK, name: unique('x'), subnet: { name: 's', cidr: '10.62.1.0/24' } }, key: 'has spaces in it' }, { token: f.alice.token });
  expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
});

it('lets only one of two racing calls with the same key do the work', async () => {
  const name = unique('race');
  const variables = { input: { tenancyId: f.alice.tenancy.CLOUDSTACK, name, subnet: { name: `${name}-s`, cidr: '10.63.1.0/24' } }, key: unique('key') };
  await f.resetStats();
  const answers = await Promise.all([0, 1].map(() => f.gw.gql(CREATE, variables, { token: f.alice.token })));
  expect(networkCreates((await f.stats('CLOUDSTACK')).operations)).toBe(1);
  const done = answers.filter((a) => !a.errors);
  const refused = answers.filter((a) => a.errors);
  expect(done.length).toBeGreaterThanOrEqual(1);
  for (const a of refused) expect(a.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
});
