import { CLOUDS, unique, useCloudGateway } from '../support/cloud';

const f = useCloudGateway();

describe.each(CLOUDS)('networks on %s', (cloud) => {
  it('creates a network with its first subnet, reads it back nested and by node, then deletes it', async () => {
    const name = unique('net');
    const created = await f.ok(
      `mutation($input: CreateNetworkInput!) { createNetwork(input: $input) {
         job { id kind status progress events { seq status } }
         network { id cloudId name cidr status datacenter { kind } subnets { totalCount nodes { id name cidr gatewayIp } } }
       } }`,
      { input: { tenancyId: f.alice.tenancy[cloud], name, cidr: '10.20.0.0/16', subnet: { name: `${name}-a`, cidr: '10.20.1.0/24', dnsNameservers: ['8.8.8.8'] } } },
      f.alice.token,
    );
    const { job, network } = created.createNetwork;
    expect(job).toMatchObject({ kind: 'createNetwork', status: 'SUCCEEDED', progress: 100 });
    expect(job.events.map((e: { status: string }) => e.status)).toEqual(expect.arrayContaining(['RUNNING', 'SUCCEEDED']));
    expect(network).toMatchObject({ name, status: 'ACTIVE', datacenter: { kind: cloud } });
    expect(network.subnets.nodes).toEqual([expect.objectContaining({ name: `${name}-a`, cidr: '10.20.1.0/24', gatewayIp: '10.20.1.1' })]);

    const viaNode = await f.ok('query($id: ID!) { node(id: $id) { ... on Network { name subnets { nodes { id } } } } }', { id: network.id }, f.alice.token);
    expect(viaNode.node.name).toBe(name);

    const deleted = await f.ok('mutation($id: ID!) { deleteNetwork(id: $id) { deletedId job { status } } }', { id: network.id }, f.alice.token);
    expect(deleted.deleteNetwork).toEqual({ deletedId: network.id, job: { status: 'SUCCEEDED' } });
    const gone = await f.gw.gql('query($id: ID!) { node(id: $id) { id } }', { id: network.id }, { token: f.alice.token });
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});
