import { Writable } from 'node:stream';
import { CloudError } from '../../src/clouds/driver';
import { ReadHorizon } from '../../src/clouds/read-horizon';
import { Upstream } from '../../src/clouds/upstream';
import { createLogger } from '../../src/logger';
import { Metrics, upstreamObserver } from '../../src/server/metrics';
import { startSimServer, type RunningSim, type SimRequest } from '../../src/simulators/common';

/*
 * The resilience of every driver call, against a bare simulator server whose faults are
 * injected through the same control endpoints the cloud simulators have.
 */

let sim: RunningSim;
let flaky: { remaining: number; status: number };
const records: Record<string, unknown>[] = [];
const log = createLogger(
  'info',
  new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line));
      done();
    },
  }),
);

beforeAll(async () => {
  sim = await startSimServer({
    operation: (req: SimRequest) => `test.${req.url.pathname.slice(1) || 'root'}`,
    handle: (req: SimRequest) => {
      if (req.url.pathname === '/flaky' && flaky.remaining > 0) {
        flaky.remaining--;
        return { status: flaky.status, body: { error: 'not now' } };
      }
      if (req.url.pathname === '/missing') return { status: 404, body: { itemNotFound: { code: 404, message: 'nope' } } };
      return { status: 200, body: { ok: true, method: req.method } };
    },
  });
});
afterAll(() => sim?.close());
beforeEach(() => {
  sim.setFaults({});
  sim.stats.reset();
  flaky = { remaining: 0, status: 503 };
  records.length = 0;
});

function client(options: ConstructorParameters<typeof Upstream>[3] = {}, metrics = new Metrics()) {
  return { upstream: new Upstream('dc-test', log, upstreamObserver(metrics), { backoffInitialMs: 5, backoffMaxMs: 20, ...options }), metrics };
}

const calls = (operation: string) => sim.stats.snapshot().operations[operation] ?? 0;

test('answers any HTTP status the cloud gives, without retrying a client error', async () => {
  const { upstream } = client();
  const res = await upstream.request({ operation: 'test.missing', method: 'GET', url: `${sim.url}/missing` });
  expect(res.status).toBe(404);
  expect(JSON.parse(res.text)).toEqual({ itemNotFound: { code: 404, message: 'nope' } });
  expect(calls('test.missing')).toBe(1);
});

test('retries a read on 503 and 502 with backoff until it succeeds', async () => {
  const { upstream } = client({ maxAttempts: 4 });
  flaky = { remaining: 2, status: 503 };
  const res = await upstream.request({ operation: 'test.flaky', method: 'GET', url: `${sim.url}/flaky` });
  expect(res.status).toBe(200);
  expect(calls('test.flaky')).toBe(3);
});

test('retries a write on 429 and 503 (not acted on), but not on 500 or 502', async () => {
  const { upstream } = client({ maxAttempts: 3 });
  flaky = { remaining: 1, status: 429 };
  expect((await upstream.request({ operation: 'test.flaky', method: 'POST', url: `${sim.url}/flaky`, body: '{}' })).status).toBe(200);
  expect(calls('test.flaky')).toBe(2);

  for (const status of [500, 502]) {
    sim.stats.reset();
    flaky = { remaining: 1, status };
    expect((await upstream.request({ operation: 'test.flaky', method: 'POST', url: `${sim.url}/flaky`, body: '{}' })).status).toBe(status);
    expect(calls('test.flaky')).toBe(1);
  }
});

test('gives up after maxAttempts and answers the last status', async () => {
  const { upstream } = client({ maxAttempts: 3 });
  flaky = { remaining: 10, status: 503 };
  const res = await upstream.request({ operation: 'test.flaky', method: 'GET', url: `${sim.url}/flaky` });
  expect(res.status).toBe(503);
  expect(calls('test.flaky')).toBe(3);
});

test('a call that does not answer in time fails UPSTREAM_UNAVAILABLE after its retries', async () => {
  const { upstream } = client({ timeoutMs: 100, maxAttempts: 2 });
  sim.setFaults({ hangMs: 1000 });
  const started = Date.now();
  const err = await upstream.request({ operation: 'test.slow', method: 'GET', url: `${sim.url}/slow` }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CloudError);
  expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', datacenter: 'dc-test', upstream: { message: 'timeout' } });
  expect(Date.now() - started).toBeLessThan(900);
  expect(calls('test.slow')).toBe(2);
});

test('a write that timed out is not sent again (it may have been acted on)', async () => {
  const { upstream } = client({ timeoutMs: 100, maxAttempts: 3 });
  sim.setFaults({ hangMs: 500 });
  await expect(upstream.request({ operation: 'test.create', method: 'POST', url: `${sim.url}/create`, body: '{}' })).rejects.toMatchObject({
    code: 'UPSTREAM_UNAVAILABLE',
  });
  expect(calls('test.create')).toBe(1);
});

test('the breaker opens after consecutive failures, refuses calls without sending them, and closes again', async () => {
  const { upstream } = client({ maxAttempts: 1, breakerThreshold: 3, breakerHalfOpenAfterMs: 200 });
  sim.setFaults({ outage: true });
  for (let i = 0; i < 3; i++) {
    await expect(upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` })).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  }
  const sent = calls('test.any');
  expect(sent).toBe(3);
  const refused = await upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` }).catch((e: unknown) => e);
  expect(refused).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { message: 'circuit open' } });
  expect(calls('test.any')).toBe(sent);

  sim.setFaults({});
  await new Promise((r) => setTimeout(r, 250));
  expect((await upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` })).status).toBe(200);
  expect((await upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` })).status).toBe(200);
});

test('4xx answers do not open the breaker', async () => {
  const { upstream } = client({ maxAttempts: 1, breakerThreshold: 2 });
  for (let i = 0; i < 5; i++) {
    expect((await upstream.request({ operation: 'test.missing', method: 'GET', url: `${sim.url}/missing` })).status).toBe(404);
  }
  expect((await upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` })).status).toBe(200);
});

test('statuses a cloud uses for verdicts are neither retried nor counted by the breaker', async () => {
  const { upstream } = client({ maxAttempts: 3, breakerThreshold: 2 });
  flaky = { remaining: 10, status: 536 };
  for (let i = 0; i < 4; i++) {
    const res = await upstream.request({ operation: 'test.flaky', method: 'GET', url: `${sim.url}/flaky`, verdictStatuses: [531, 536] });
    expect(res.status).toBe(536);
  }
  expect(calls('test.flaky')).toBe(4);
  // The breaker stayed closed: a healthy call goes through.
  expect((await upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` })).status).toBe(200);
  // Without the declaration the same status is an unhealthy answer: two open the breaker.
  for (let i = 0; i < 2; i++) await upstream.request({ operation: 'test.flaky', method: 'GET', url: `${sim.url}/flaky` });
  await expect(upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` })).rejects.toMatchObject({
    upstream: { message: 'circuit open' },
  });
});

test('one log record and one metric sample per attempt, with no URL, header or body', async () => {
  const { upstream, metrics } = client({ maxAttempts: 2 });
  flaky = { remaining: 1, status: 503 };
  await upstream.request({
    operation: 'test.flaky',
    method: 'GET',
    url: `${sim.url}/flaky?apikey=THE-API-KEY&signature=THE-SIGNATURE`,
    headers: { 'x-auth-token': 'THE-TOKEN' },
  });
  const calls = records.filter((r) => r.msg === 'upstream call');
  expect(calls.map((r) => [r.operation, r.status, r.outcome, r.attempt])).toEqual([
    ['test.flaky', 503, 'server_error', 1],
    ['test.flaky', 200, 'ok', 2],
  ]);
  for (const r of calls) expect(r).toMatchObject({ datacenter: 'dc-test', method: 'GET', durationMs: expect.any(Number) });
  expect(JSON.stringify(records)).not.toMatch(/THE-API-KEY|THE-SIGNATURE|THE-TOKEN/);

  const text = await metrics.registry.metrics();
  expect(text).toMatch(/ecsgraph_upstream_calls_total\{datacenter="dc-test",operation="test.flaky",outcome="server_error"\} 1/);
  expect(text).toMatch(/ecsgraph_upstream_calls_total\{datacenter="dc-test",operation="test.flaky",outcome="ok"\} 1/);
  expect(text).toMatch(/ecsgraph_upstream_call_duration_seconds_count\{datacenter="dc-test",operation="test.flaky",outcome="ok"\} 1/);
});

describe('shared reads', () => {
  const read = (upstream: Upstream, horizon: ReadHorizon, key = 'token-a /any', path = '/any') =>
    upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}${path}`, share: { key, horizon } });
  const later = () => new Promise((r) => setTimeout(r, 5));

  test('reads of the same key whose horizons came before the call under way share its one answer', async () => {
    const { upstream, metrics } = client();
    sim.setFaults({ latencyMs: 150 });
    const horizons = [new ReadHorizon(), new ReadHorizon(), new ReadHorizon()];
    await later();
    const answers = await Promise.all(horizons.map((h) => read(upstream, h)));
    expect(calls('test.any')).toBe(1);
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0].text)).toEqual({ ok: true, method: 'GET' });
    // One log record and one call sample for the one call; the two who joined it are counted apart.
    expect(records.filter((r) => r.msg === 'upstream call')).toHaveLength(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/ecsgraph_upstream_calls_total\{datacenter="dc-test",operation="test.any",outcome="ok"\} 1/);
    expect(text).toMatch(/ecsgraph_upstream_shared_reads_total\{datacenter="dc-test",operation="test.any"\} 2/);
  });

  test('a read whose horizon is later than the call under way makes a call of its own', async () => {
    const { upstream } = client();
    sim.setFaults({ latencyMs: 150 });
    const first = read(upstream, new ReadHorizon());
    await later();
    // Began after the first call: that call's answer may predate what this reader has seen.
    const second = read(upstream, new ReadHorizon());
    await Promise.all([first, second]);
    expect(calls('test.any')).toBe(2);
  });

  test('a horizon moved on (after a write) stops sharing the calls begun before', async () => {
    const { upstream } = client();
    sim.setFaults({ latencyMs: 150 });
    const early = new ReadHorizon();
    await later();
    const first = read(upstream, new ReadHorizon(early.since));
    await later();
    const joined = read(upstream, early);
    early.advance();
    const anew = read(upstream, early);
    await Promise.all([first, joined, anew]);
    expect(calls('test.any')).toBe(2);
  });

  test('other keys, and reads without a horizon, are never shared; an ended read is not kept', async () => {
    const { upstream } = client();
    sim.setFaults({ latencyMs: 100 });
    const horizon = new ReadHorizon();
    await later();
    await Promise.all([
      read(upstream, horizon, 'token-a /any'),
      read(upstream, horizon, 'token-b /any'),
      upstream.request({ operation: 'test.any', method: 'GET', url: `${sim.url}/any` }),
    ]);
    expect(calls('test.any')).toBe(3);
    await read(upstream, horizon, 'token-a /any');
    expect(calls('test.any')).toBe(4);
  });

  test('a failure is shared by those who joined, and the next read tries again', async () => {
    const { upstream } = client({ maxAttempts: 1 });
    sim.setFaults({ latencyMs: 100, outage: true });
    const horizon = new ReadHorizon();
    await later();
    const failed = await Promise.all([read(upstream, horizon).catch((e: unknown) => e), read(upstream, horizon).catch((e: unknown) => e)]);
    expect(failed[0]).toBeInstanceOf(CloudError);
    expect(failed[1]).toBe(failed[0]);
    expect(calls('test.any')).toBe(1);
    sim.setFaults({});
    expect((await read(upstream, horizon)).status).toBe(200);
    expect(calls('test.any')).toBe(2);
  });
});
