import http from 'node:http';
import net from 'node:net';
import { AuditLogDocument, CreateUserDocument, LoginDocument, LogoutDocument, ViewerDocument } from '../../operations/generated/graphql';
import { buildApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Store } from '../../src/store/db';
import { codes, startGateway, testEnv, ADMIN_LOGIN, ADMIN_PASSWORD, type TestGateway } from '../support/app';
import { openTestStore, type TestStore } from '../support/store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_BODY = 2048;
const REDIS_STATE = process.env.REDIS_URL ? 'ok' : 'not configured';

let store: TestStore;
let gw: TestGateway;
let origin: string;

beforeAll(async () => {
  store = await openTestStore();
  gw = await startGateway(store, { MAX_BODY_BYTES: String(MAX_BODY) });
  origin = new URL(gw.url).origin;
});
afterAll(async () => {
  await gw?.stop();
  await store?.close();
});
beforeEach(() => gw.reset());

/** A second app on a store of the test's choosing (the app does not close the store). */
async function startApp(appStore: Store, env: Record<string, string> = {}): Promise<{ app: App; url: string; origin: string }> {
  const app = buildApp(loadConfig(testEnv(env), { inMemory: true }), { store: appStore });
  const { url } = await app.start();
  return { app, url, origin: new URL(url).origin };
}

async function getJson(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as Record<string, unknown> };
}

async function postGraphql(url: string, body: unknown, headers: Record<string, string> = {}) {
  return getJson(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** One raw HTTP request on its own connection (no keep-alive), body written as given. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; chunks?: (string | Buffer)[] },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    for (const chunk of options.chunks ?? []) req.write(chunk);
    req.end();
  });
}

describe('health', () => {
  it('GET /healthz answers 200 ok', async () => {
    const res = await getJson(`${origin}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it(`GET /readyz reports the database ok and Redis ${REDIS_STATE}`, async () => {
    const res = await getJson(`${origin}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', database: 'ok', redis: REDIS_STATE });
  });

  describe('with a database that does not answer', () => {
    let ping: () => Promise<void>;
    let broken: { app: App; origin: string };

    beforeAll(async () => {
      broken = await startApp({ ...store, ping: () => ping() });
    });
    afterAll(() => broken?.app.stop());

    it('GET /readyz answers 503 unreachable when the ping fails, and 200 again once it answers', async () => {
      ping = async () => {
        throw new Error('down');
      };
      const down = await getJson(`${broken.origin}/readyz`);
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: 'not ready', database: 'unreachable', redis: REDIS_STATE });

      ping = store.ping;
      const up = await getJson(`${broken.origin}/readyz`);
      expect(up.status).toBe(200);
      expect(up.body).toEqual({ status: 'ready', database: 'ok', redis: REDIS_STATE });
    });

    it('GET /readyz gives up on a ping that hangs (after about 2 s)', async () => {
      let release: () => void = () => undefined;
      ping = () => new Promise<void>((resolve) => (release = resolve));
      const started = Date.now();
      const res = await getJson(`${broken.origin}/readyz`);
      const took = Date.now() - started;
      release();
      expect(res.status).toBe(503);
      expect(res.body.database).toBe('unreachable');
      expect(took).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(5000);
    });

    it('GET /healthz stays 200: liveness does not depend on the database', async () => {
      ping = async () => {
        throw new Error('down');
      };
      const res = await getJson(`${broken.origin}/healthz`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });
  });
});

describe('metrics', () => {
  type Labels = Record<string, string>;

  function parseMetrics(text: string): { name: string; labels: Labels; value: number }[] {
    const samples: { name: string; labels: Labels; value: number }[] = [];
    for (const line of text.split('\n')) {
      const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
      if (!m) continue;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
      samples.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return samples;
  }

  async function scrape() {
    const res = await fetch(`${origin}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const samples = parseMetrics(text);
    /** The sample with exactly these labels, or 0 when the series does not exist yet. */
    const value = (name: string, labels: Labels) => {
      const keys = Object.keys(labels);
      const found = samples.find(
        (s) => s.name === name && Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k]),
      );
      return found?.value ?? 0;
    };
    return { text, value, contentType: res.headers.get('content-type') };
  }

  const REQUESTS = 'ecsgraph_graphql_requests_total';
  const DURATION = 'ecsgraph_graphql_request_duration_seconds';

  it('counts a named operation by name and outcome ok, with its duration', async () => {
    const token = await gw.adminToken();
    const before = await scrape();
    expect(before.contentType).toMatch(/^text\/plain/);
    expect(before.text).toContain(`# TYPE ${REQUESTS} counter`);
    expect(before.text).toContain(`# TYPE ${DURATION} histogram`);

    const res = await gw.gql(ViewerDocument, {}, { token });
    expect(res.errors).toBeUndefined();

    const after = await scrape();
    const ok = { operation: 'Viewer', outcome: 'ok' };
    expect(after.value(REQUESTS, ok) - before.value(REQUESTS, ok)).toBe(1);
    expect(after.value(`${DURATION}_count`, ok) - before.value(`${DURATION}_count`, ok)).toBe(1);
    expect(after.value(`${DURATION}_bucket`, { ...ok, le: '+Inf' })).toBe(after.value(`${DURATION}_count`, ok));
    expect(after.value(`${DURATION}_sum`, ok)).toBeGreaterThan(before.value(`${DURATION}_sum`, ok));
    // Another outcome of the same operation did not move.
    const unauth = { operation: 'Viewer', outcome: 'UNAUTHENTICATED' };
    expect(after.value(REQUESTS, unauth)).toBe(before.value(REQUESTS, unauth));
  });

  it('labels a refused operation with its error code', async () => {
    const labels = { operation: 'Logout', outcome: 'UNAUTHENTICATED' };
    const before = await scrape();
    const res = await gw.gql(LogoutDocument, {});
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    const after = await scrape();
    expect(after.value(REQUESTS, labels) - before.value(REQUESTS, labels)).toBe(1);
    expect(after.value(`${DURATION}_count`, labels) - before.value(`${DURATION}_count`, labels)).toBe(1);
    expect(after.value(REQUESTS, { operation: 'Logout', outcome: 'ok' })).toBe(before.value(REQUESTS, { operation: 'Logout', outcome: 'ok' }));
  });

  it('counts a request refused for a bad token before it reaches GraphQL', async () => {
    const labels = { operation: 'Viewer', outcome: 'UNAUTHENTICATED' };
    const before = await scrape();
    const res = await gw.gql(ViewerDocument, {}, { token: 'ecs_s_forged' });
    expect(res.status).toBe(401);
    const after = await scrape();
    expect(after.value(REQUESTS, labels) - before.value(REQUESTS, labels)).toBe(1);
  });

  it('labels unnamed operations "anonymous" and over-long names "invalid"', async () => {
    const before = await scrape();
    await gw.gql('{ __typename }');
    await gw.gql(`query ${'Q'.repeat(70)} { __typename }`);
    const after = await scrape();
    for (const operation of ['anonymous', 'invalid']) {
      const labels = { operation, outcome: 'ok' };
      expect(after.value(REQUESTS, labels) - before.value(REQUESTS, labels)).toBe(1);
    }
    expect(after.text).not.toContain('Q'.repeat(70));
  });
});

describe('x-request-id', () => {
  it('echoes a valid id given by the client', async () => {
    for (const id of ['abc-123', 'trace.id:Span_42', 'x'.repeat(128)]) {
      const res = await gw.gql('{ __typename }', undefined, { headers: { 'x-request-id': id } });
      expect(res.headers.get('x-request-id')).toBe(id);
    }
    const health = await fetch(`${origin}/healthz`, { headers: { 'x-request-id': 'health-1' } });
    await health.text();
    expect(health.headers.get('x-request-id')).toBe('health-1');
  });

  it('replaces an invalid id with a fresh uuid', async () => {
    for (const id of ['has spaces in it', 'x'.repeat(200), 'x'.repeat(129), 'semi;colon', 'a/b']) {
      const res = await gw.gql('{ __typename }', undefined, { headers: { 'x-request-id': id } });
      const echoed = res.headers.get('x-request-id');
      expect(echoed).toMatch(UUID);
      expect(echoed).not.toBe(id);
    }
  });

  it('gives each request without an id its own uuid, on every route', async () => {
    const ids: (string | null)[] = [];
    for (const path of ['/graphql', '/healthz', '/readyz', '/metrics', '/nowhere']) {
      const res = await fetch(`${origin}${path}`, path === '/graphql' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' } : {});
      await res.text();
      ids.push(res.headers.get('x-request-id'));
    }
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('records the request id in the audit log of a mutation', async () => {
    const token = await gw.adminToken();
    const created = await gw.gql(
      CreateUserDocument,
      { input: { username: 'traced', password: 'traced-password', email: 'traced@example.com' } },
      { token, headers: { 'x-request-id': 'trace-create-user-1' } },
    );
    expect(created.errors).toBeUndefined();
    const log = await gw.gql(AuditLogDocument, { first: 5 }, { token });
    const entry = log.data!.auditLog.nodes.find((n) => n.action === 'createUser');
    expect(entry?.requestId).toBe('trace-create-user-1');
  });
});

describe('request errors', () => {
  const query = (size: number) => JSON.stringify({ query: `{ __typename }${' '.repeat(Math.max(0, size - 32))}` });

  it(`accepts a body under MAX_BODY_BYTES (${MAX_BODY})`, async () => {
    const body = query(MAX_BODY - 100);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY);
    const res = await rawRequest(gw.url, { headers: { 'content-type': 'application/json' }, chunks: [body] });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a body over MAX_BODY_BYTES with 413 and a JSON error (declared length)', async () => {
    const body = query(MAX_BODY * 2);
    const res = await rawRequest(gw.url, { headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, chunks: [body] });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const parsed = JSON.parse(res.text) as { errors: { message: string; extensions: { code: string } }[] };
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(parsed.errors[0].message).toContain(String(MAX_BODY));
  });

  it('refuses a chunked body (no declared length) once it passes MAX_BODY_BYTES', async () => {
    const chunk = ' '.repeat(512);
    const res = await rawRequest(gw.url, {
      headers: { 'content-type': 'application/json' },
      chunks: ['{"query":"{ __typename }"', ...Array.from({ length: 8 }, () => chunk), '}'],
    });
    expect(res.status).toBe(413);
    expect((JSON.parse(res.text) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers 400 BAD_REQUEST to a body that is not JSON', async () => {
    const res = await getJson(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ __typename }"' });
    expect(res.status).toBe(400);
    expect(codes(res.body as { errors?: never })).toEqual(['BAD_REQUEST']);
    expect((res.body.errors as { message: string }[])[0].message).toMatch(/JSON/);
  });

  it('answers 404 on an unknown path', async () => {
    for (const path of ['/nowhere', '/graphql/extra', '/']) {
      const res = await getJson(`${origin}${path}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not found' });
    }
  });
});

describe('CSRF prevention', () => {
  const getUrl = () => `${gw.url}?query=${encodeURIComponent('{viewer{id}}')}`;

  it('refuses a simple GET without content-type or preflight header', async () => {
    const res = await fetch(getUrl());
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toMatch(/CSRF/);
    expect(text).not.toContain('"data"');
  });

  it('runs the same GET when the apollo-require-preflight header is present', async () => {
    const res = await getJson(getUrl(), { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { viewer: null } });
  });

  it('refuses a POST as text/plain and runs it as application/json', async () => {
    const body = JSON.stringify({ query: '{ viewer { id } }' });
    const plain = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/CSRF/);

    const json = await postGraphql(gw.url, { query: '{ viewer { id } }' });
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ data: { viewer: null } });
  });
});

describe('unexpected errors', () => {
  const LEAKS = [/"stack"/, /\bat [\w.<>]+ \(/, /\.ts:\d+/, /closed/i, /CONNECTION_ENDED/, /PGlite/i, /postgres/i];

  it('are masked: message "Unexpected error.", code INTERNAL_SERVER_ERROR, no stack', async () => {
    const own = await openTestStore();
    let closed = false;
    const side = await startApp(own);
    try {
      const token = (await postGraphql(side.url, { query: 'mutation { login(login: "root", password: "root-password-1") { token } }' })).body as {
        data: { login: { token: string } };
      };
      const viewerBefore = await postGraphql(side.url, { query: '{ viewer { username } }' }, { authorization: `Bearer ${token.data.login.token}` });
      expect(viewerBefore.body).toEqual({ data: { viewer: { username: ADMIN_LOGIN } } });
      // A token not looked up yet: the first token's session is reused (SESSION_CACHE_MS) without the database.
      const fresh = (await postGraphql(side.url, { query: 'mutation { login(login: "root", password: "root-password-1") { token } }' })).body as {
        data: { login: { token: string } };
      };

      // The database goes away under the running app.
      await own.close();
      closed = true;

      // Inside a resolver: Apollo's error formatting masks it.
      const login = await postGraphql(side.url, { query: 'mutation Login($l: String!, $p: String!) { login(login: $l, password: $p) { token } }', variables: { l: ADMIN_LOGIN, p: ADMIN_PASSWORD } });
      expect(login.status).toBe(200);
      expect(login.body.data).toBeNull();
      expect(login.body.errors).toEqual([{ message: 'Unexpected error.', path: ['login'], locations: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);

      // Before Apollo (resolving the session token): the HTTP layer masks it.
      const viewer = await postGraphql(side.url, { query: '{ viewer { username } }' }, { authorization: `Bearer ${fresh.data.login.token}` });
      expect(viewer.status).toBe(500);
      expect(viewer.body).toEqual({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });

      for (const text of [login.text, viewer.text]) {
        for (const leak of LEAKS) expect(text).not.toMatch(leak);
      }

      // The same failure is what readiness reports.
      const ready = await getJson(`${side.origin}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.body.database).toBe('unreachable');

      // And the metric names the outcome.
      const metrics = await (await fetch(`${side.origin}/metrics`)).text();
      expect(metrics).toMatch(/ecsgraph_graphql_requests_total\{operation="Login",outcome="INTERNAL_SERVER_ERROR"\} 1\b/);
    } finally {
      await side.app.stop();
      if (!closed) await own.close();
    }
  });
});

describe('graceful shutdown', () => {
  function connectable(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  it.each([
    ['a one-shot connection', () => false as const],
    // The connection goes idle only once its response is sent; stop() must not wait for the keep-alive timeout.
    ['a keep-alive connection', () => new http.Agent({ keepAlive: true })],
  ])('lets an in-flight request on %s finish, refuses new connections, and stops promptly', async (_label, makeAgent) => {
    const side = await startApp(store, { SHUTDOWN_TIMEOUT_MS: '8000' });
    const agent = makeAgent();
    const port = Number(new URL(side.url).port);
    let stopping: Promise<void> | null = null;
    try {
      expect(await connectable(port)).toBe(true);
      const body = JSON.stringify({ query: '{ viewer { id } __typename }' });
      const half = Math.floor(body.length / 2);

      // A request whose body is only half sent: the server is reading it when stop() begins.
      const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(side.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, half));
        setTimeout(() => {
          stopping = side.app.stop();
          void (async () => {
            // Wait until the listener is gone, then send the rest of the body.
            for (let i = 0; i < 100 && (await connectable(port)); i++) await new Promise((r) => setTimeout(r, 20));
            req.end(body.slice(half));
          })();
        }, 100);
      });

      const res = await response;
      expect(stopping).not.toBeNull();
      expect(await connectable(port)).toBe(false);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({ data: { viewer: null, __typename: 'Query' } });
      // Nothing is left to wait for: stop() does not run into SHUTDOWN_TIMEOUT_MS (8 s).
      const started = Date.now();
      await stopping;
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(fetch(`${side.origin}/healthz`)).rejects.toThrow();
    } finally {
      await (stopping ?? side.app.stop());
      if (agent) agent.destroy();
    }
  });
});

describe('sign-in works end to end through the handler', () => {
  it('a typed Login document gets a token that the handler accepts', async () => {
    const res = await gw.gql(LoginDocument, { login: ADMIN_LOGIN, password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    const viewer = await gw.gql(ViewerDocument, {}, { token: res.data!.login.token });
    expect(viewer.data!.viewer!.username).toBe(ADMIN_LOGIN);
  });
});
