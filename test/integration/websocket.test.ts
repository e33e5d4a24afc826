import type { Client } from 'graphql-ws';
import { CreateUserDocument, LogoutDocument, ViewerDocument } from '../../operations/generated/graphql';
import { WS_MAX_PAYLOAD } from '../../src/server/ws';
import { startGateway, type TestGateway } from '../support/app';
import { openTestStore, type TestStore } from '../support/store';
import { openRaw, wsClient, wsExecute, type RawSocket } from '../support/ws';

let store: TestStore;
/** Default configuration: only subscriptions over WebSocket. */
let gw: TestGateway;
/** WS_ALLOW_OPERATIONS=true, on the same database. */
let open: TestGateway;

const clients: Client[] = [];
const sockets: RawSocket[] = [];

beforeAll(async () => {
  store = await openTestStore();
  gw = await startGateway(store);
  open = await startGateway(store, { WS_ALLOW_OPERATIONS: 'true' });
});
afterAll(async () => {
  await open?.stop();
  await gw?.stop();
  await store?.close();
});
beforeEach(() => gw.reset());
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
  for (const socket of sockets.splice(0)) await socket.close();
});

function client(url: string, connectionParams?: Record<string, unknown>) {
  const c = wsClient(url, connectionParams);
  clients.push(c);
  return c;
}

async function raw(url: string) {
  const s = await openRaw(url);
  sockets.push(s);
  return s;
}

async function userToken(username: string) {
  const created = await gw.gql(
    CreateUserDocument,
    { input: { username, password: 'user-password-1', email: `${username}@example.com` } },
    { token: await gw.adminToken() },
  );
  expect(created.errors).toBeUndefined();
  return gw.login(username, 'user-password-1');
}

const VIEWER = 'query { viewer { username } }';

describe('operations over WebSocket', () => {
  it('refuses queries with BAD_REQUEST unless WS_ALLOW_OPERATIONS is set', async () => {
    const token = await userToken('alice');
    const outcome = await wsExecute(client(gw.url, { authorization: `Bearer ${token}` }), { query: VIEWER });
    expect(outcome.kind).toBe('error');
    const errors = (outcome as { error: { message: string; extensions?: { code?: string } }[] }).error;
    expect(Array.isArray(errors)).toBe(true);
    expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_REQUEST']);
    expect(errors[0].message).toMatch(/subscriptions/i);
  });

  it('refuses mutations too when operations are not allowed', async () => {
    const outcome = await wsExecute(client(gw.url), {
      query: 'mutation { login(login: "root", password: "nope-nope") { token } }',
    });
    expect(outcome.kind).toBe('error');
    expect((outcome as { error: { extensions?: { code?: string } }[] }).error.map((e) => e.extensions?.code)).toEqual(['BAD_REQUEST']);
  });

  it('runs a query as the signed-in user when WS_ALLOW_OPERATIONS=true', async () => {
    const token = await userToken('bob');
    const outcome = await wsExecute(client(open.url, { authorization: `Bearer ${token}` }), { query: VIEWER });
    expect(outcome).toEqual({ kind: 'results', results: [{ data: { viewer: { username: 'bob' } } }] });
  });

  it('runs a query anonymously without connectionParams: the viewer is null', async () => {
    const outcome = await wsExecute(client(open.url), { query: VIEWER });
    expect(outcome).toEqual({ kind: 'results', results: [{ data: { viewer: null } }] });
  });

  it('two clients with different tokens each see their own viewer', async () => {
    const carol = await userToken('carol');
    const dave = await userToken('dave');
    const [a, b] = await Promise.all([
      wsExecute(client(open.url, { authorization: `Bearer ${carol}` }), { query: VIEWER }),
      wsExecute(client(open.url, { authorization: `Bearer ${dave}` }), { query: VIEWER }),
    ]);
    expect(a).toEqual({ kind: 'results', results: [{ data: { viewer: { username: 'carol' } } }] });
    expect(b).toEqual({ kind: 'results', results: [{ data: { viewer: { username: 'dave' } } }] });
  });
});

describe('connection handshake', () => {
  it('acknowledges a valid token and closes with 4403 on a bad one', async () => {
    const token = await gw.adminToken();
    const good = await raw(gw.url);
    good.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expect((await good.next()).type).toBe('connection_ack');

    for (const authorization of ['Bearer ecs_s_forged-token', 'Basic abc', 42]) {
      const bad = await raw(gw.url);
      bad.send({ type: 'connection_init', payload: { authorization } });
      const { code } = await bad.closed;
      expect(code).toBe(4403);
    }
  });

  it('a revoked session (logout over HTTP) cannot open a new connection', async () => {
    const token = await userToken('erin');
    const before = await raw(gw.url);
    before.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expect((await before.next()).type).toBe('connection_ack');

    const logout = await gw.gql(LogoutDocument, {}, { token });
    expect(logout.data!.logout).toBe(true);
    expect((await gw.gql(ViewerDocument, {}, { token })).status).toBe(401);

    const after = await raw(gw.url);
    after.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expect((await after.closed).code).toBe(4403);
  });

  it('an open socket whose session is revoked is refused its next operation and closed with 4403', async () => {
    const token = await userToken('fred');
    const socket = await raw(open.url);
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expect((await socket.next()).type).toBe('connection_ack');
    socket.send({ id: '1', type: 'subscribe', payload: { query: VIEWER } });
    expect(await socket.next()).toMatchObject({ type: 'next', payload: { data: { viewer: { username: 'fred' } } } });
    expect((await socket.next()).type).toBe('complete');

    await gw.gql(LogoutDocument, {}, { token });
    socket.send({ id: '2', type: 'subscribe', payload: { query: VIEWER } });
    const answer = await socket.next().catch(() => null);
    if (answer) expect(answer).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await socket.closed).code).toBe(4403);
  });

  it('closes with 4408 when connection_init does not come within 3 s', async () => {
    const socket = await raw(gw.url);
    const openedAt = Date.now();
    const { code, at } = await socket.closed;
    expect(code).toBe(4408);
    expect(at - openedAt).toBeGreaterThanOrEqual(2900);
    expect(at - openedAt).toBeLessThan(6000);
  });
});

describe('frame size', () => {
  it(`answers a frame under ${WS_MAX_PAYLOAD} bytes and closes the socket with 1009 on a larger one`, async () => {
    const socket = await raw(gw.url);
    socket.send({ type: 'connection_init' });
    expect((await socket.next()).type).toBe('connection_ack');

    // Just under the limit: a valid message that the server reads and answers.
    const padding = (size: number) => `# ${'x'.repeat(size)}\n`;
    const small = JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `${padding(WS_MAX_PAYLOAD - 1024)}{ __typename }` } });
    expect(Buffer.byteLength(small)).toBeLessThan(WS_MAX_PAYLOAD);
    socket.send(small);
    const answer = await socket.next();
    expect(answer).toMatchObject({ id: '1', type: 'error' });
    expect((answer.payload as { extensions?: { code?: string } }[])[0].extensions?.code).toBe('BAD_REQUEST');

    const big = JSON.stringify({ id: '2', type: 'subscribe', payload: { query: `${padding(WS_MAX_PAYLOAD)}{ __typename }` } });
    expect(Buffer.byteLength(big)).toBeGreaterThan(WS_MAX_PAYLOAD);
    // graphql-ws reports the refused frame with console.error; keep the test output clean.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      socket.send(big);
      const { code } = await socket.closed;
      expect(code).toBe(1009);
      await expect(socket.next(200)).rejects.toThrow(/closed/);
    } finally {
      quiet.mockRestore();
    }
  });
});
