import Redis from 'ioredis';
import { loadConfig } from '../../src/config';
import type { Viewer } from '../../src/graph/context';
import { batchRefusal, operationCount } from '../../src/server/batching';
import { RequestLimiter } from '../../src/server/rate-limit';
import { maxWaitSeconds, RequestDeadline, TIMED_OUT, waitMarginMs } from '../../src/server/timeout';

const user = (userId: string): Viewer => ({ userId, role: 'USER', username: userId, sessionId: 's', apiKeyId: null });
const key = (userId: string, apiKeyId: string): Viewer => ({ ...user(userId), sessionId: null, apiKeyId, scopes: ['FULL'] });

describe('RequestLimiter (in-process)', () => {
  const limiter = new RequestLimiter({ limits: { perUser: 3, perApiKey: 2, anonymous: 1 } });

  it('lets a user make its budget, refuses the next with the seconds left in the window', async () => {
    for (let i = 0; i < 3; i++) expect(await limiter.consume(user('u1'), '10.0.0.1')).toBeNull();
    const refused = await limiter.consume(user('u1'), '10.0.0.2');
    expect(refused).toMatchObject({ budget: 'user', limit: 3, setting: 'RATE_LIMIT_PER_USER', counted: 4 });
    expect(refused!.retryAfter).toBeGreaterThanOrEqual(59);
    expect(refused!.retryAfter).toBeLessThanOrEqual(60);
    expect(refused!.message).toMatch(/this user may make 3 per minute; try again in \d+ s\./);
  });

  it('counts an API key apart from its user, and an anonymous caller by address', async () => {
    expect(await limiter.consume(key('u2', 'k1'), null)).toBeNull();
    expect(await limiter.consume(key('u2', 'k1'), null)).toBeNull();
    expect(await limiter.consume(key('u2', 'k1'), null)).toMatchObject({ budget: 'apiKey', limit: 2 });
    expect(await limiter.consume(key('u2', 'k2'), null)).toBeNull();
    expect(await limiter.consume(user('u2'), null)).toBeNull();
    expect(await limiter.consume(null, '10.0.0.9')).toBeNull();
    expect(await limiter.consume(null, '10.0.0.9')).toMatchObject({ budget: 'anonymous', limit: 1 });
    expect(await limiter.consume(null, '10.0.0.10')).toBeNull();
  });

  it('spends one per operation of a batch; a batch over the whole budget says so', async () => {
    expect(await limiter.consume(user('u3'), null, 2)).toBeNull();
    expect(await limiter.consume(user('u3'), null, 2)).toMatchObject({ budget: 'user' });
    expect((await limiter.consume(user('u4'), null, 4))!.message).toMatch(/A request of 4 operations is more than the 3 per minute/);
  });

  it('0 is no limit', async () => {
    const open = new RequestLimiter({ limits: { perUser: 0, perApiKey: 0, anonymous: 0 } });
    for (let i = 0; i < 1000; i++) expect(await open.consume(null, '10.0.0.1')).toBeNull();
  });

  it('with a Redis that does not answer, counts in-process instead of failing', async () => {
    const client = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      const shared = new RequestLimiter({ limits: { perUser: 2, perApiKey: 2, anonymous: 2 }, redis: { client, prefix: 'x:' } });
      expect(await shared.consume(user('u5'), null)).toBeNull();
      expect(await shared.consume(user('u5'), null)).toBeNull();
      expect(await shared.consume(user('u5'), null)).toMatchObject({ budget: 'user', limit: 2 });
    } finally {
      client.disconnect();
    }
  });
});

describe('batching', () => {
  const off = { batching: false, batchMax: 10, timeoutMs: 30_000 };
  const on = { batching: true, batchMax: 2, timeoutMs: 30_000 };

  it('refuses any array POST when off, names the limit when on, and leaves everything else alone', () => {
    expect(batchRefusal('POST', [{ query: '{ a }' }], off)?.message).toMatch(/Batched requests are off/);
    expect(batchRefusal('POST', { query: '{ a }' }, off)).toBeNull();
    expect(batchRefusal('GET', [], off)).toBeNull();
    expect(batchRefusal('POST', [{}, {}], on)).toBeNull();
    expect(batchRefusal('POST', [{}, {}, {}], on)).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      message: 'A batched request holds at most 2 operations (HTTP_BATCH_MAX); this one holds 3.',
    });
  });

  it('counts the operations of a request', () => {
    expect(operationCount('POST', [{}, {}, {}])).toBe(3);
    expect(operationCount('POST', [])).toBe(1);
    expect(operationCount('POST', { query: '{ a }' })).toBe(1);
    expect(operationCount('GET', null)).toBe(1);
  });
});

describe('the request timeout', () => {
  const config = (env: Record<string, string>) => loadConfig(env, { inMemory: true });

  it('cuts Prefer: wait to the timeout less a fifth (at most 5 s), in whole seconds', () => {
    expect(maxWaitSeconds(config({}))).toBe(25);
    expect(maxWaitSeconds(config({ REQUEST_TIMEOUT_MS: '3000' }))).toBe(2);
    expect(maxWaitSeconds(config({ REQUEST_TIMEOUT_MS: '1000' }))).toBe(0);
    expect(maxWaitSeconds(config({ REQUEST_TIMEOUT_MS: '600000' }))).toBe(120);
    expect(maxWaitSeconds(config({ REQUEST_TIMEOUT_MS: '600000', JOB_MAX_WAIT_SECONDS: '300' }))).toBe(300);
    expect(maxWaitSeconds(config({ JOB_MAX_WAIT_SECONDS: '10' }))).toBe(10);
    expect(waitMarginMs(30_000)).toBe(5000);
    expect(waitMarginMs(10_000)).toBe(2000);
  });

  it('a step that ends in time gives its value or its failure', async () => {
    const deadline = new RequestDeadline(1000, () => undefined);
    await expect(deadline.race(Promise.resolve(7))).resolves.toBe(7);
    await expect(deadline.race(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('a step past the deadline gives TIMED_OUT; its later failure is reported, not thrown', async () => {
    const late: unknown[] = [];
    const deadline = new RequestDeadline(50, (err) => late.push(err));
    let fail!: (err: Error) => void;
    const step = new Promise<number>((_, reject) => (fail = reject));
    const started = Date.now();
    await expect(deadline.race(step)).resolves.toBe(TIMED_OUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    fail(new Error('late'));
    await new Promise((r) => setTimeout(r, 10));
    expect(late).toEqual([new Error('late')]);
    // Once the deadline has passed, every later step is TIMED_OUT at once.
    await expect(deadline.race(new Promise(() => undefined))).resolves.toBe(TIMED_OUT);
  });
});
