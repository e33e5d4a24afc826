import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ApolloServer } from '@apollo/server';
import type { Context } from '../../src/graph/context';
import { graphSchema } from '../../src/graph/schema';
import { createServices } from '../../src/graph/services';
import { createLogger } from '../../src/logger';
import { createApollo } from '../../src/server/apollo';
import { readCredential, resolveViewer } from '../../src/server/auth';
import { bootInstance, useCloudGateway } from '../support/cloud';

/*
 * GRAPHQL_EXECUTOR=jit (graphql-jit's compiled operations, the default) and graphql-js answer
 * every operation alike: the same data, byte for byte, and the same errors (message, code,
 * path, locations) for resolvers' refusals, unknown operations and variables of the wrong type.
 * Both run here over one gateway's services, against one estate in both clouds.
 */
const f = useCloudGateway();
const schema = graphSchema();
const servers: Record<'jit' | 'graphql-js', ApolloServer<Context>> = {} as never;

beforeAll(async () => {
  for (const executor of ['jit', 'graphql-js'] as const) {
    const limits = f.gw.config.limits;
    servers[executor] = createApollo({ schema, log: createLogger('silent'), metrics: { observe: () => undefined } as never, exposeUnexpected: false, limits, development: false, executor });
    await servers[executor].start();
  }
  await bootInstance(f, f.alice, 'OPENSTACK');
  await bootInstance(f, f.alice, 'CLOUDSTACK');
}, 120_000);
afterAll(async () => {
  for (const server of Object.values(servers)) await server?.stop();
});

/** One operation as alice, on both executors: what each answers, as the client would read it. */
async function both(query: string, variables?: Record<string, unknown>, operationName?: string) {
  const viewer = await resolveViewer(f.gw.app.deps, readCredential({ authorization: `Bearer ${f.alice.token}` }));
  if (!viewer || typeof viewer === 'string') throw new Error('alice could not sign in');
  const answers: Record<string, string> = {};
  for (const [executor, server] of Object.entries(servers)) {
    const requestId = crypto.randomUUID();
    const contextValue: Context = { requestId, viewer, ip: null, userAgent: null, log: createLogger('silent'), services: createServices(f.gw.app.deps, { requestId, ip: null, userAgent: null }) };
    const response = await server.executeOperation({ query, variables, operationName }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    answers[executor] = JSON.stringify({ status: response.http.status ?? 200, ...response.body.singleResult });
  }
  return answers as Record<'jit' | 'graphql-js', string>;
}

describe('the two executors', () => {
  it('answer the console query with the same bytes', async () => {
    const console = fs.readFileSync(path.join(__dirname, '../../operations/console.graphql'), 'utf8');
    const { jit, 'graphql-js': js } = await both(console);
    expect(JSON.parse(jit).errors).toBeUndefined();
    expect(JSON.parse(jit).data.viewer.tenancies).toHaveLength(2);
    expect(jit).toBe(js);
  });

  it('answer interfaces, fragments, aliases, @include/@skip and __typename alike', async () => {
    const listed = JSON.parse((await both('{ viewer { tenancies { networks { nodes { id subnets { nodes { id instances { nodes { id } } } } } } } } }')).jit);
    const networks = listed.data.viewer.tenancies.flatMap((t: any) => t.networks.nodes);
    const instances: string[] = networks.flatMap((n: any) => n.subnets.nodes.flatMap((s: any) => s.instances.nodes.map((i: any) => i.id)));
    expect(instances.length).toBeGreaterThanOrEqual(2);
    const query = `query Nodes($a: ID!, $b: ID!, $n: ID!, $more: Boolean!) {
      a: node(id: $a) { __typename id ... on Instance { name status vm: cloudId flavor @include(if: $more) { name } zone @skip(if: $more) { name } volumes { sizeGb } } ...Res }
      b: node(id: $b) { ...Res ... on Instance { addresses { ip network { id } } } }
      n: node(id: $n) { __typename ... on Network { name cidr subnets { totalCount } } }
      me: viewer { __typename username }
    }
    fragment Res on CloudResource { cloudId __typename }`;
    for (const more of [true, false]) {
      const { jit, 'graphql-js': js } = await both(query, { a: instances[0], b: instances[1], n: networks[0].id, more });
      expect(JSON.parse(jit).errors).toBeUndefined();
      expect(JSON.parse(jit).data.a.__typename).toBe('Instance');
      expect(jit).toBe(js);
    }
  });

  it('refuse alike: a resolver’s error (with its path), an unknown operation, variables of the wrong type', async () => {
    const refusals: [string, Record<string, unknown> | undefined, string | undefined][] = [
      ['query One($id: ID!) { node(id: $id) { id } viewer { username } }', { id: 'not-an-id' }, undefined],
      ['{ datacenter(id: "WyJEYXRhY2VudGVyIiwieCJd") { name } user(id: "nope") { username } }', undefined, undefined],
      ['query A { viewer { username } } query B { viewer { id } }', undefined, 'C'],
      ['query A { viewer { username } } query B { viewer { id } }', undefined, 'B'],
      ['query L($n: Int!) { jobs(first: $n) { totalCount } }', { n: 'ten' }, undefined],
      ['query L($n: Int!) { jobs(first: $n) { totalCount } }', {}, undefined],
    ];
    let refused = 0;
    for (const [query, variables, operationName] of refusals) {
      const { jit, 'graphql-js': js } = await both(query, variables, operationName);
      expect(jit).toBe(js);
      if (JSON.parse(jit).errors?.length) refused++;
    }
    // All but the operation B, which runs.
    expect(refused).toBe(refusals.length - 1);
  });
});
