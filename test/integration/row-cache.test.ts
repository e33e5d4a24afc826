import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { createLogger } from '../../src/logger';
import { MemoryPubSub } from '../../src/pubsub/memory';
import type { PubSub } from '../../src/pubsub/pubsub';
import { RedisPubSub } from '../../src/pubsub/redis';
import { RowCache } from '../../src/store/row-cache';
import { describeWith, serviceUrl } from '../support/services';
import { until } from '../support/wait';

/*
 * The per-process cache of datacenter and catalogue rows: how long it answers, what a write
 * makes every process forget, and what it never keeps.
 */
const silent = createLogger('silent');

/** A loader over a mutable "table" that counts its reads. */
function table(initial: Record<string, string>) {
  const rows = new Map(Object.entries(initial));
  const reads: string[][] = [];
  return {
    rows,
    reads,
    one: (key: string) => async () => {
      reads.push([key]);
      return rows.get(key) ?? null;
    },
    many: async (keys: string[]) => {
      reads.push(keys);
      return new Map(keys.flatMap((k) => (rows.has(k) ? [[k, rows.get(k)!] as const] : [])));
    },
  };
}

describe('RowCache', () => {
  let clock = 1_000_000;
  const now = () => clock;
  let pubsub: MemoryPubSub;
  const caches: RowCache[] = [];
  const cache = async (options: { ttlMs?: number; max?: number; pubsub?: PubSub } = {}) => {
    const c = new RowCache({ ttlMs: options.ttlMs ?? 1000, pubsub: options.pubsub ?? pubsub, log: silent, now, max: options.max });
    await c.start();
    caches.push(c);
    return c;
  };
  beforeEach(() => {
    clock = 1_000_000;
    pubsub = new MemoryPubSub();
  });
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
    await pubsub.close();
  });

  it('answers from what it read until STORE_CACHE_MS runs out, then reads again', async () => {
    const t = table({ a: 'A1' });
    const c = await cache({ ttlMs: 1000 });
    expect(await c.get('a', t.one('a'))).toBe('A1');
    t.rows.set('a', 'A2');
    clock += 999;
    expect(await c.get('a', t.one('a'))).toBe('A1');
    clock += 2;
    expect(await c.get('a', t.one('a'))).toBe('A2');
    expect(t.reads).toEqual([['a'], ['a']]);
  });

  it('reads together only the keys it does not hold, and keeps no key the store lacks', async () => {
    const t = table({ a: 'A', b: 'B' });
    const c = await cache();
    expect(await c.getMany(['a'], t.many)).toEqual(new Map([['a', 'A']]));
    expect(await c.getMany(['a', 'b', 'z'], t.many)).toEqual(new Map([['a', 'A'], ['b', 'B']]));
    t.rows.set('z', 'Z');
    expect(await c.getMany(['a', 'b', 'z'], t.many)).toEqual(new Map([['a', 'A'], ['b', 'B'], ['z', 'Z']]));
    expect(t.reads).toEqual([['a'], ['b', 'z'], ['z']]);
  });

  it('a write forgets its keys at once in its own process and, over the pubsub, in the others', async () => {
    const t = table({ a: 'A1', b: 'B1' });
    const here = await cache();
    const there = await cache();
    for (const c of [here, there]) {
      expect(await c.get('a', t.one('a'))).toBe('A1');
      expect(await c.get('b', t.one('b'))).toBe('B1');
    }
    t.rows.set('a', 'A2');
    t.rows.set('b', 'B2');
    await here.forget('a');
    // Long before the time limit, both read a again; b, not written, still answers from memory.
    expect(await here.get('a', t.one('a'))).toBe('A2');
    expect(await there.get('a', t.one('a'))).toBe('A2');
    expect(await there.get('b', t.one('b'))).toBe('B1');
  });

  it('does not keep a read that began before a forget, nor a read that failed', async () => {
    const c = await cache();
    let release: (value: string) => void = () => undefined;
    const slow = c.getMany(['a'], () => new Promise<Map<string, string>>((resolve) => (release = (v) => resolve(new Map([['a', v]])))));
    await c.forget('a');
    release('stale');
    expect(await slow).toEqual(new Map([['a', 'stale']]));
    expect(await c.get('a', async () => 'fresh')).toBe('fresh');

    let pending: (value: string) => void = () => undefined;
    const inFlight = c.get('b', () => new Promise<string>((resolve) => (pending = resolve)));
    await c.forget('b');
    pending('stale');
    expect(await inFlight).toBe('stale');
    expect(await c.get('b', async () => 'fresh')).toBe('fresh');

    await expect(c.get('c', async () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(await c.get('c', async () => 'read again')).toBe('read again');
  });

  it('with STORE_CACHE_MS 0 reads every time, and still tells the other processes of a write', async () => {
    const t = table({ a: 'A' });
    const heard: unknown[] = [];
    await pubsub.subscribe('store.forget', (p) => void heard.push(p));
    const c = await cache({ ttlMs: 0 });
    await c.get('a', t.one('a'));
    await c.get('a', t.one('a'));
    await c.getMany(['a'], t.many);
    await c.forget('a');
    expect(t.reads).toEqual([['a'], ['a'], ['a']]);
    // A replica that keeps nothing still has others that do (a setting rolled out to some first).
    expect(heard).toEqual([{ keys: ['a'] }]);
  });

  it('holds at most `max` entries, dropping the least recently used', async () => {
    const t = table({ a: 'A', b: 'B', c: 'C' });
    const c = await cache({ max: 2 });
    for (const k of ['a', 'b', 'c']) await c.get(k, t.one(k));
    await c.get('c', t.one('c'));
    await c.get('a', t.one('a'));
    expect(t.reads).toEqual([['a'], ['b'], ['c'], ['a']]);
  });

  it('a write whose pubsub cannot be reached still succeeds, with a warning naming the keys', async () => {
    const lines: string[] = [];
    const log = createLogger('warn', new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }));
    const broken: PubSub = {
      publish: async () => Promise.reject(new Error('connection refused')),
      subscribe: async () => async () => undefined,
      close: async () => undefined,
    };
    const c = new RowCache({ ttlMs: 1000, pubsub: broken, log, now });
    await c.start();
    expect(await c.get('a', async () => 'A1')).toBe('A1');
    await expect(c.forget('a')).resolves.toBeUndefined();
    expect(await c.get('a', async () => 'A2')).toBe('A2');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'warn', keys: ['a'] });
    await c.close();
  });
});

describeWith('redis')('RowCache across processes over Redis', () => {
  const url = serviceUrl('redis')!;
  const prefix = `test-rows:${crypto.randomBytes(4).toString('hex')}:`;
  const clients: Redis[] = [];
  const pubsubs: RedisPubSub[] = [];
  const caches: RowCache[] = [];
  const replica = async () => {
    const client = new Redis(url);
    clients.push(client);
    const pubsub = new RedisPubSub(client, prefix, silent);
    pubsubs.push(pubsub);
    const cache = new RowCache({ ttlMs: 60_000, pubsub, log: silent });
    await cache.start();
    caches.push(cache);
    return cache;
  };
  afterAll(async () => {
    for (const c of caches) await c.close();
    for (const p of pubsubs) await p.close();
    for (const c of clients) c.disconnect();
  });

  it('a write on one replica is forgotten on the other long before STORE_CACHE_MS', async () => {
    const a = await replica();
    const b = await replica();
    let value = 'v1';
    const read = async () => value;
    expect(await a.get('datacenter:1', read)).toBe('v1');
    expect(await b.get('datacenter:1', read)).toBe('v1');
    value = 'v2';
    await a.forget('datacenter:1');
    let seen = '';
    await until(() => {
      void b.get('datacenter:1', read).then((v) => (seen = v));
      return seen === 'v2';
    });
    expect(await b.get('datacenter:1', async () => 'v3')).toBe('v2');
  });
});
