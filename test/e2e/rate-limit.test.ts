import { useGateway, type TestGateway } from '../support/app';
import { openRaw, type RawSocket } from '../support/ws';

/*
 * RATE_LIMIT_PER_USER, RATE_LIMIT_PER_API_KEY and RATE_LIMIT_ANONYMOUS on one gateway with
 * in-process counters (test/e2e/rate-limit-processes.test.ts shares them over Redis). Every
 * test signs in fresh users (new ids, so fresh budgets); the administrator that makes them is
 * new after each reset too.
 */

const VIEWER = '{ viewer { username } }';

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) };
}

async function newUser(gw: TestGateway, username: string): Promise<{ id: string; login: () => Promise<string> }> {
  const res = await gw.gql<{ createUser: { id: string } }, unknown>(
    'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    { input: { username, password: 'user-password-1' } },
    { token: await gw.adminToken() },
  );
  expect(res.errors).toBeUndefined();
  return { id: res.data!.createUser.id, login: () => gw.login(username, 'user-password-1') };
}

/** A 429 as the limits answer it: Retry-After in whole seconds, the same in `extensions.retryAfter`. */
function expectRefused(answer: Answer, limit: number, setting = 'RATE_LIMIT_PER_USER') {
  expect(answer.status).toBe(429);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors).toHaveLength(1);
  expect(answer.body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter, limit: { name: setting, max: limit, found: expect.any(Number) } });
  expect(answer.body.errors[0].extensions.limit.found).toBeGreaterThan(limit);
  expect(answer.body.errors[0].message).toMatch(new RegExp(`\\b${limit} per minute`));
}

describe('per user and per API key', () => {
  const gw = useGateway({ RATE_LIMIT_PER_USER: '5', RATE_LIMIT_PER_API_KEY: '4', RATE_LIMIT_ANONYMOUS: '1000', HTTP_BATCHING: 'true', WS_ALLOW_OPERATIONS: 'true' });
  const sockets: RawSocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) await socket.close();
  });

  it('a user makes 5 requests a minute over all its sessions; the 6th is 429 with Retry-After; another user is not affected', async () => {
    const alice = await newUser(gw, 'alice');
    const sessions = [await alice.login(), await alice.login()];
    for (let i = 0; i < 5; i++) {
      const answer = await post(gw, { query: VIEWER }, { authorization: `Bearer ${sessions[i % 2]}` });
      expect(answer.status).toBe(200);
      expect(answer.body.data.viewer.username).toBe('alice');
    }
    expectRefused(await post(gw, { query: VIEWER }, { authorization: `Bearer ${sessions[1]}` }), 5);
    expectRefused(await post(gw, { query: VIEWER }, { authorization: `Bearer ${sessions[0]}` }), 5);

    const bob = await newUser(gw, 'bob');
    const answer = await post(gw, { query: VIEWER }, { authorization: `Bearer ${await bob.login()}` });
    expect(answer.status).toBe(200);
    expect(answer.body.data.viewer.username).toBe('bob');
  });

  it('an API key makes 4 requests a minute, apart from its user’s budget', async () => {
    const carol = await newUser(gw, 'carol');
    const token = await carol.login();
    const created = await post(
      gw,
      { query: 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }', variables: { input: { name: 'partner', scopes: ['READ_ONLY'] } } },
      { authorization: `Bearer ${token}` },
    );
    expect(created.body.errors).toBeUndefined();
    const secret = created.body.data.createApiKey.secret as string;
    for (let i = 0; i < 4; i++) {
      const answer = await post(gw, { query: VIEWER }, { 'x-api-key': secret });
      expect(answer.status).toBe(200);
      expect(answer.body.data.viewer.username).toBe('carol');
    }
    expectRefused(await post(gw, { query: VIEWER }, { 'x-api-key': secret }), 4, 'RATE_LIMIT_PER_API_KEY');
    // The user's own sessions spend the user's budget (1 of 5 so far: the key's creation).
    const answer = await post(gw, { query: VIEWER }, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
  });

  it('each operation of a batch counts: 3 + 2 pass, the next request is refused; a batch past what is left is refused whole', async () => {
    const dave = await newUser(gw, 'dave');
    const auth = { authorization: `Bearer ${await dave.login()}` };
    const three = await post(gw, [{ query: VIEWER }, { query: VIEWER }, { query: VIEWER }], auth);
    expect(three.status).toBe(200);
    expect(three.body).toHaveLength(3);
    const two = await post(gw, [{ query: VIEWER }, { query: VIEWER }], auth);
    expect(two.status).toBe(200);
    expect(two.body.map((r: any) => r.data.viewer.username)).toEqual(['dave', 'dave']);
    expectRefused(await post(gw, { query: VIEWER }, auth), 5);

    const erin = await newUser(gw, 'erin');
    const erinAuth = { authorization: `Bearer ${await erin.login()}` };
    expect((await post(gw, [{ query: VIEWER }, { query: VIEWER }, { query: VIEWER }, { query: VIEWER }], erinAuth)).status).toBe(200);
    const over = await post(gw, [{ query: VIEWER }, { query: VIEWER }], erinAuth);
    expectRefused(over, 5);

    const frank = await newUser(gw, 'frank');
    const big = await post(gw, Array.from({ length: 6 }, () => ({ query: VIEWER })), { authorization: `Bearer ${await frank.login()}` });
    expectRefused(big, 5);
    expect(big.body.errors[0].message).toMatch(/6 operations is more than the 5 per minute/);
  });

  it('each WebSocket subscribe counts, in the same budget as HTTP', async () => {
    const grace = await newUser(gw, 'grace');
    const token = await grace.login();
    expect((await post(gw, { query: VIEWER }, { authorization: `Bearer ${token}` })).status).toBe(200);
    const socket = await openRaw(gw.url);
    sockets.push(socket);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expect((await socket.next()).type).toBe('connection_ack');
    for (let i = 1; i <= 4; i++) {
      socket.send({ id: String(i), type: 'subscribe', payload: { query: VIEWER } });
      expect(await socket.next()).toMatchObject({ type: 'next', id: String(i), payload: { data: { viewer: { username: 'grace' } } } });
      expect(await socket.next()).toMatchObject({ type: 'complete', id: String(i) });
    }
    socket.send({ id: '5', type: 'subscribe', payload: { query: 'subscription { jobEvents { jobId } }' } });
    const refused = (await socket.next()) as { type: string; id: string; payload: { message: string; extensions: Record<string, unknown> }[] };
    expect(refused).toMatchObject({ type: 'error', id: '5', payload: [{ extensions: { code: 'RATE_LIMITED', limit: { name: 'RATE_LIMIT_PER_USER', max: 5, found: 6 } } }] });
    const retryAfter = refused.payload[0].extensions.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The socket stays open; HTTP is refused as well.
    expectRefused(await post(gw, { query: VIEWER }, { authorization: `Bearer ${token}` }), 5);
  });
});

describe('anonymous, per client address', () => {
  // TRUST_PROXY: the address is the X-Forwarded-For a test sends.
  const gw = useGateway({ RATE_LIMIT_ANONYMOUS: '3', TRUST_PROXY: 'true' });

  it('an address makes 3 requests a minute without credentials; the 4th is 429; another address is not affected', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    for (let i = 0; i < 3; i++) {
      const answer = await post(gw, { query: '{ __typename }' }, from('203.0.113.7'));
      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual({ __typename: 'Query' });
    }
    expectRefused(await post(gw, { query: '{ __typename }' }, from('203.0.113.7')), 3, 'RATE_LIMIT_ANONYMOUS');
    expect((await post(gw, { query: '{ __typename }' }, from('203.0.113.8'))).status).toBe(200);
  });

  it('a signed-in caller from an exhausted address spends its user’s budget instead', async () => {
    const address = { 'x-forwarded-for': '198.51.100.4' };
    for (let i = 0; i < 3; i++) expect((await post(gw, { query: '{ __typename }' }, address)).status).toBe(200);
    expectRefused(await post(gw, { query: '{ __typename }' }, address), 3, 'RATE_LIMIT_ANONYMOUS');
    // The administrator signs in from 127.0.0.1 (its first anonymous request there).
    const answer = await post(gw, { query: '{ viewer { username } }' }, { ...address, authorization: `Bearer ${await gw.adminToken()}` });
    expect(answer.status).toBe(200);
    expect(answer.body.data.viewer.username).toBe('root');
  });
});
