import { useGateway, type TestGateway } from '../support/app';

/* HTTP_BATCHING (off by default) and HTTP_BATCH_MAX: a JSON array body of operations. */

const TYPENAME = { query: '{ __typename }' };

async function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: JSON.parse(await res.text()) };
}

describe('batching off (the default)', () => {
  const gw = useGateway();

  it('refuses an array body with 400 BAD_REQUEST saying batching is off, even of one operation', async () => {
    for (const batch of [[TYPENAME], [TYPENAME, TYPENAME], []]) {
      const answer = await post(gw, batch);
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
      expect(answer.body.errors[0].message).toMatch(/Batched requests are off/);
      expect(answer.body.errors[0].message).toMatch(/HTTP_BATCHING/);
    }
  });

  it('still answers one operation per request', async () => {
    const answer = await post(gw, TYPENAME);
    expect(answer).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});

describe('batching on, at most 3', () => {
  const gw = useGateway({ HTTP_BATCHING: 'true', HTTP_BATCH_MAX: '3' });

  it('answers a batch of 3 with an array of 3 results, in order, each as a single request would be', async () => {
    const token = await gw.adminToken();
    const auth = { authorization: `Bearer ${token}` };
    const answer = await post(
      gw,
      [{ query: '{ viewer { username } }' }, TYPENAME, { query: 'query Q($n: String) { users(search: $n) { totalCount } }', variables: { n: 'root' } }],
      auth,
    );
    expect(answer).toEqual({ status: 200, body: [{ data: { viewer: { username: 'root' } } }, { data: { __typename: 'Query' } }, { data: { users: { totalCount: 1 } } }] });

    // A failing operation has its own errors; the others still run (Apollo's status is then 400).
    const mixed = await post(gw, [{ query: '{ viewer { username } }' }, { query: '{ nope }' }, { query: 'query Q($n: Int!) { users(first: $n) { totalCount } }', variables: { n: 'x' } }], auth);
    expect(mixed.body).toHaveLength(3);
    expect(mixed.body[0]).toEqual({ data: { viewer: { username: 'root' } } });
    expect(mixed.body[1].errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(mixed.body[2].errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers a batch of 1 and of 2', async () => {
    expect(await post(gw, [TYPENAME])).toEqual({ status: 200, body: [{ data: { __typename: 'Query' } }] });
    expect((await post(gw, [TYPENAME, TYPENAME])).body).toHaveLength(2);
  });

  it('refuses a batch of 4 with 400 naming the limit, running none of it', async () => {
    const token = await gw.adminToken();
    const create = (username: string) => ({
      query: 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      variables: { input: { username, password: 'user-password-1' } },
    });
    const answer = await post(gw, [create('b1'), create('b2'), create('b3'), create('b4')], { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(answer.body.errors[0].message).toBe('A batched request holds at most 3 operations (HTTP_BATCH_MAX); this one holds 4.');
    const users = await gw.gql<{ users: { totalCount: number } }, unknown>('{ users { totalCount } }', {}, { token });
    expect(users.data!.users.totalCount).toBe(1);
  });

  it('refuses an empty batch as a bad request', async () => {
    const answer = await post(gw, []);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('a batch of GET parameters is not a thing: GET runs one operation', async () => {
    const res = await fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
