import fs from 'node:fs';
import path from 'node:path';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { Kind, Lexer, Source, TokenKind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { loadConfig } from '../../src/config';
import { graphSchema } from '../../src/graph/schema';
import { limitRules, operationCost } from '../../src/server/limits';
import { startGateway, type TestGateway } from '../support/app';
import { openTestStore, type TestStore } from '../support/store';
import { wsClient, wsExecute } from '../support/ws';

/*
 * Each limit just under and just over its bound, on a gateway with small limits; then the
 * defaults against the project's own operations, which must pass them with margin.
 */

const LIMITS = { MAX_DEPTH: '4', MAX_ALIASES: '3', MAX_DIRECTIVES: '3', MAX_TOKENS: '40', MAX_ROOT_FIELDS: '3', MAX_COST: '41' };

let store: TestStore;
let gw: TestGateway;
let admin: string;
let user: string;

beforeAll(async () => {
  store = await openTestStore();
  gw = await startGateway(store, LIMITS);
  admin = await gw.adminToken();
  const created = await gw.gql('mutation { createUser(input: { username: "lim", password: "lim-password-1", email: "lim@example.com" }) { id } }', {}, { token: admin });
  expect(created.errors).toBeUndefined();
  user = await gw.login('lim', 'lim-password-1');
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await store?.close();
});

async function refusal(query: string, token: string, variables?: Record<string, unknown>) {
  const res = await gw.gql<any, any>(query, variables, { token });
  return { status: res.status, error: res.errors?.[0], data: res.data };
}

async function accepted(query: string, token: string, variables?: Record<string, unknown>) {
  const res = await gw.gql<any, any>(query, variables, { token });
  expect(res.errors).toBeUndefined();
  expect(res.data).toBeTruthy();
}

test('depth: 4 levels run, 5 are refused naming MAX_DEPTH', async () => {
  await accepted('{ viewer { tenancies { datacenter { id } } } }', user);
  const { status, error } = await refusal('{ viewer { tenancies { datacenter { zones { id } } } } }', user);
  expect(status).toBe(400);
  expect(error).toMatchObject({ message: 'Query depth limit of 4 exceeded, found 5 (MAX_DEPTH).', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
});

test('aliases: 3 run, 4 are refused', async () => {
  await accepted('{ viewer { a: id b: id c: id } }', user);
  const { error } = await refusal('{ viewer { a: id b: id c: id d: id } }', user);
  expect(error).toMatchObject({ message: expect.stringContaining('(MAX_ALIASES)'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
});

test('directives: 3 run, 4 are refused', async () => {
  await accepted('{ viewer { id @include(if: true) username @include(if: true) role @skip(if: false) } }', user);
  const { error } = await refusal('{ viewer { id @include(if: true) username @include(if: true) role @skip(if: false) email @skip(if: false) } }', user);
  expect(error).toMatchObject({ message: expect.stringContaining('(MAX_DIRECTIVES)') });
});

test('root fields: 3 run, 4 are refused', async () => {
  await accepted('{ viewer { id } datacenters { id } users { totalCount } }', admin);
  const { error } = await refusal('{ viewer { id } datacenters { id } users { totalCount } me: viewer { id } }', admin);
  expect(error).toMatchObject({ message: 'Operation (anonymous) asks for 4 root fields; at most 3 (MAX_ROOT_FIELDS).', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
});

test('tokens: 40 are read, 41 stop the parser', async () => {
  // `{ viewer { … } }` is 5 tokens around the fields.
  const fields = (n: number) => `{ viewer { ${Array.from({ length: n }, () => 'id').join(' ')} } }`;
  await accepted(fields(35), user);
  const { status, error } = await refusal(fields(36), user);
  expect(status).toBe(400);
  expect(error).toMatchObject({ message: 'The document has more than 40 tokens (MAX_TOKENS).', extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
});

test('cost: pages multiply, from literals and from variables alike', async () => {
  // users (1) + 20 × (nodes (1) + tenancies (1)) = 41.
  await accepted('{ users(first: 20) { nodes { tenancies { id } } } }', admin);
  await accepted('query($n: Int) { users(first: $n) { nodes { tenancies { id } } } }', admin, { n: 20 });
  // Without `first`, the default page (20) counts.
  await accepted('{ users { nodes { tenancies { id } } } }', admin);
  const over = await refusal('{ users(first: 21) { nodes { tenancies { id } } } }', admin);
  expect(over.status).toBe(400);
  expect(over.error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', limit: { name: 'MAX_COST', max: 41, found: 43 } } });
  expect(over.error?.message).toMatch(/up to 43 objects; at most 41 \(MAX_COST\)/);
  const viaVariable = await refusal('query($n: Int) { users(first: $n) { nodes { tenancies { id } } } }', admin, { n: 21 });
  expect(viaVariable.error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', limit: { found: 43 } } });
});

test('introspection is for administrators; __typename is for everyone', async () => {
  await accepted('{ __typename viewer { __typename } }', user);
  const { status, error } = await refusal('{ __schema { queryType { name } } }', user);
  expect(status).toBe(400);
  expect(error).toMatchObject({ message: expect.stringContaining('introspection'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  await accepted('{ __schema { queryType { name } } }', admin);
  expect((await refusal('{ __type(name: "Query") { name } }', user)).error?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
});

test('field suggestions name the schema to administrators only', async () => {
  const asUser = await refusal('{ viewer { usernme } }', user);
  expect(asUser.error?.message).toBe('Cannot query field "usernme" on type "User".');
  const asAdmin = await refusal('{ viewer { usernme } }', admin);
  expect(asAdmin.error?.message).toMatch(/Did you mean "username"\?/);
});

test('a subscription over HTTP is refused: subscriptions stream over graphql-ws', async () => {
  const { status, error } = await refusal('subscription { jobEvents { jobId } }', user);
  expect(status).toBe(400);
  expect(error).toMatchObject({ message: expect.stringContaining('WebSocket'), extensions: { code: 'BAD_REQUEST' } });
});

test('U+0000 in a string is refused before it reaches the store, naming the variable', async () => {
  const viaVariable = await refusal('query($id: String!) { workOrder(workOrderId: $id) { workOrderId } }', admin, { id: 'wo-\u0000-1' });
  expect(viaVariable.status).toBe(400);
  expect(viaVariable.error).toMatchObject({ message: 'id: must not contain the character U+0000', extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
  const literal = await refusal('{ workOrder(workOrderId: "wo-\\u0000-1") { workOrderId } }', admin);
  expect(literal.error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  await accepted('query($id: String!) { workOrder(workOrderId: $id) { workOrderId } }', admin, { id: 'wo-plain-1' });
});

describe('over WebSocket', () => {
  test('the same limits hold for subscriptions: within runs, over is refused', async () => {
    const client = wsClient(gw.url, { authorization: `Bearer ${user}` });
    const jobEvents = (n: number) => `subscription { jobEvents { ${Array.from({ length: n }, () => 'jobId').join(' ')} } }`;
    const over = await wsExecute(client, { query: jobEvents(36) });
    expect(over.kind).toBe('error');
    expect(JSON.stringify((over as { error: unknown }).error)).toMatch(/more than 40 tokens \(MAX_TOKENS\)/);
    const deep = await wsExecute(client, { query: 'subscription { jobEvents { a: jobId b: jobId c: jobId d: jobId } }' });
    expect(JSON.stringify((deep as { error: unknown }).error)).toMatch(/MAX_ALIASES/);
    // Within the limits: the subscription starts (and is left at once).
    const started = await new Promise<boolean>((resolve) => {
      const stop = client.subscribe({ query: jobEvents(3) }, { next: () => undefined, error: () => resolve(false), complete: () => resolve(true) });
      setTimeout(() => {
        stop();
        resolve(true);
      }, 300);
    });
    expect(started).toBe(true);
    await client.dispose();
  });
});

describe('the defaults hold every operation of operations/ with margin', () => {
  const defaults = loadConfig({}, { inMemory: true }).limits;
  const schema = graphSchema();
  const dir = path.resolve(__dirname, '../../operations');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.graphql'));

  test.each(files)('%s', (file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    // Half the token budget, a third of the cost budget, three levels under the depth limit.
    const document = parse(text, { maxTokens: Math.floor(defaults.maxTokens / 2) });
    expect(validate(schema, document, limitRules({ ...defaults, maxDepth: defaults.maxDepth - 3 }))).toEqual([]);
    let tokens = 0;
    const lexer = new Lexer(new Source(text));
    while (lexer.advance().kind !== TokenKind.EOF) tokens++;
    expect(tokens).toBeLessThan(defaults.maxTokens / 2);
    for (const op of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
      expect(operationCost(schema, document, op.name!.value, {})).toBeLessThan(defaults.maxCost / 3);
    }
    // The depth rule really counts: one level under the console's depth refuses it.
    if (file === 'console.graphql') expect(validate(schema, document, [maxDepthRule({ n: 10, flattenFragments: true, propagateOnRejection: false, onReject: [(c, e) => c?.reportError(e)] })])).not.toEqual([]);
  });
});
