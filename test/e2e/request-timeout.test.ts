import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { useCloudGateway } from '../support/cloud';

/*
 * REQUEST_TIMEOUT_MS on the embedded gateway with its simulators, slowed with the `hangMs`
 * fault (every call to that cloud waits before answering; UPSTREAM_TIMEOUT_MS is longer, so
 * only the request timeout can end the wait). Timeout 3 s: a `Prefer: wait` is cut to 2 s.
 */

const TIMEOUT_MS = 3000;
const f = useCloudGateway({ REQUEST_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_TIMEOUT_MS: '30000' });

afterEach(async () => {
  await f.faults('OPENSTACK', {});
  await f.faults('CLOUDSTACK', {});
});

/** Alice's networks in the OpenStack datacenter: one cloud call at least, through her credentials. */
const NETWORKS = 'query($t: ID!) { node(id: $t) { ... on Tenancy { networks(first: 5) { totalCount } } } }';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
  ms: number;
  /** The client's local port: the same port is the same connection. */
  port: number;
}

/** One POST over `agent` (keep-alive, one socket): a second answer on the socket would corrupt the next exchange. */
function post(agent: http.Agent, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const url = new URL(f.gw.url);
  const text = JSON.stringify(body);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(data), ms: Date.now() - started, port: (req.socket!.address() as AddressInfo).port });
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a query slower than the timeout is answered 504 REQUEST_TIMEOUT at the timeout, and nothing else is written after it', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const errors = jest.spyOn(f.gw.app.deps.log, 'error');
  const warnings = jest.spyOn(f.gw.app.deps.log, 'warn');
  try {
    const auth = { authorization: `Bearer ${f.alice.token}` };
    const warm = await post(agent, { query: NETWORKS, variables: { t: f.alice.tenancy.OPENSTACK } }, auth);
    expect(warm.status).toBe(200);

    await f.faults('OPENSTACK', { hangMs: 6000 });
    const slow = await post(agent, { query: NETWORKS, variables: { t: f.alice.tenancy.OPENSTACK } }, auth);
    expect(slow.status).toBe(504);
    expect(slow.headers['content-type']).toMatch(/^application\/json/);
    expect(slow.body).toEqual({
      errors: [{ message: expect.stringMatching(/longer than 3000 ms/), extensions: { code: 'REQUEST_TIMEOUT', timeoutMs: TIMEOUT_MS } }],
    });
    expect(slow.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(slow.ms).toBeLessThan(TIMEOUT_MS + 1500);

    // The abandoned operation ends meanwhile (the cloud answers after 6 s): no second answer, no error.
    await f.faults('OPENSTACK', {});
    await sleep(4000);
    const next = await post(agent, { query: NETWORKS, variables: { t: f.alice.tenancy.OPENSTACK } }, auth);
    expect(next.status).toBe(200);
    expect(next.body.errors).toBeUndefined();
    expect(next.port).toBe(slow.port);
    expect(errors).not.toHaveBeenCalled();
    expect(warnings.mock.calls.filter(([, msg]) => /request|timed out/.test(String(msg)))).toEqual([]);
  } finally {
    errors.mockRestore();
    warnings.mockRestore();
    agent.destroy();
  }
}, 30_000);

test('a query just under the timeout is answered in full', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await f.faults('OPENSTACK', { hangMs: 1000 });
    const answer = await post(agent, { query: NETWORKS, variables: { t: f.alice.tenancy.OPENSTACK } }, { authorization: `Bearer ${f.alice.token}` });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.node.networks.totalCount).toEqual(expect.any(Number));
    expect(answer.ms).toBeGreaterThanOrEqual(900);
    expect(answer.ms).toBeLessThan(TIMEOUT_MS);
  } finally {
    agent.destroy();
  }
}, 30_000);

test('Prefer: wait is cut short of the timeout: a waited mutation answers when the wait ends, with its job still going', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const created = await f.ok<{ createUser: { id: string } }>('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', {
      input: { username: 'waiter', password: 'waiter-password-1', ctUserId: 'ct_user_waiter', ctAccountId: 'acct_waiter' },
    });
    // The registration's cloud calls hang 6 s: the job outlives any wait the timeout allows.
    await f.faults('CLOUDSTACK', { hangMs: 6000 });
    const answer = await post(
      agent,
      {
        query: 'mutation($u: ID!, $d: ID!) { registerTenancy(userId: $u, datacenterId: $d) { job { status } tenancy { status } } }',
        variables: { u: created.createUser.id, d: f.datacenter.CLOUDSTACK },
      },
      { authorization: `Bearer ${f.admin}`, prefer: 'wait=600' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    // 3 s less a fifth (0.6 s), in whole seconds: 2 s.
    expect(answer.headers['preference-applied']).toBe('wait=2');
    expect(['QUEUED', 'RUNNING']).toContain(answer.body.data.registerTenancy.job.status);
    expect(answer.body.data.registerTenancy.tenancy.status).toBe('PENDING');
    expect(answer.ms).toBeGreaterThanOrEqual(1900);
    expect(answer.ms).toBeLessThan(TIMEOUT_MS);
  } finally {
    agent.destroy();
  }
}, 30_000);
