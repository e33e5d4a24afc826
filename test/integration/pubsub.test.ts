import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import Redis from 'ioredis';
import { createLogger } from '../../src/logger';
import { MemoryPubSub } from '../../src/pubsub/memory';
import type { PubSub } from '../../src/pubsub/pubsub';
import { RedisPubSub } from '../../src/pubsub/redis';
import { describeWith, serviceUrl } from '../support/services';
import { until } from '../support/wait';

/** Records every payload a handler receives. */
function recorder() {
  const got: unknown[] = [];
  const handler = (payload: unknown) => void got.push(payload);
  return { got, handler };
}

describe('MemoryPubSub', () => {
  let pubsub: MemoryPubSub;
  beforeEach(() => {
    pubsub = new MemoryPubSub();
  });
  afterEach(() => pubsub.close());

  it('delivers a published payload to the subscribers of its channel only', async () => {
    const a = recorder();
    const b = recorder();
    await pubsub.subscribe('jobs:1', a.handler);
    await pubsub.subscribe('jobs:2', b.handler);
    await pubsub.publish('jobs:1', { progress: 10 });
    expect(a.got).toEqual([{ progress: 10 }]);
    expect(b.got).toEqual([]);
  });

  it('delivers a copy: changing the published object afterwards does not change what was received', async () => {
    const r = recorder();
    await pubsub.subscribe('c', r.handler);
    const payload = { state: 'RUNNING', steps: [{ name: 'boot' }] };
    await pubsub.publish('c', payload);
    payload.state = 'CHANGED';
    payload.steps[0].name = 'changed';
    payload.steps.push({ name: 'extra' });
    expect(r.got).toEqual([{ state: 'RUNNING', steps: [{ name: 'boot' }] }]);
    expect(r.got[0]).not.toBe(payload);
  });

  it('serialises as JSON would: dates become strings, undefined fields disappear', async () => {
    const r = recorder();
    await pubsub.subscribe('c', r.handler);
    const at = new Date('2024-05-06T07:08:09.000Z');
    await pubsub.publish('c', { at, gone: undefined, n: 1 });
    expect(r.got).toEqual([{ at: '2024-05-06T07:08:09.000Z', n: 1 }]);
    expect(Object.keys(r.got[0] as object)).toEqual(['at', 'n']);
  });

  it('calls every handler of a channel once per message', async () => {
    const a = recorder();
    const b = recorder();
    await pubsub.subscribe('c', a.handler);
    await pubsub.subscribe('c', b.handler);
    await pubsub.publish('c', 1);
    await pubsub.publish('c', 2);
    expect(a.got).toEqual([1, 2]);
    expect(b.got).toEqual([1, 2]);
  });

  it('stops delivering to a handler after its unsubscribe, and only to that handler', async () => {
    const a = recorder();
    const b = recorder();
    const unsubscribeA = await pubsub.subscribe('c', a.handler);
    await pubsub.subscribe('c', b.handler);
    await pubsub.publish('c', 'first');
    await unsubscribeA();
    await pubsub.publish('c', 'second');
    expect(a.got).toEqual(['first']);
    expect(b.got).toEqual(['first', 'second']);
    // Unsubscribing twice is harmless.
    await unsubscribeA();
    await pubsub.publish('c', 'third');
    expect(b.got).toEqual(['first', 'second', 'third']);
  });

  it('delivers nothing after close', async () => {
    const r = recorder();
    await pubsub.subscribe('c', r.handler);
    await pubsub.close();
    await pubsub.publish('c', 'late');
    expect(r.got).toEqual([]);
  });
});

describeWith('redis')('RedisPubSub', () => {
  const url = serviceUrl('redis')!;
  const connections: Redis[] = [];
  const pubsubs: PubSub[] = [];
  let logLines: string[];

  /** A pubsub on its own Redis connection, as a separate gateway process would have. */
  function open(prefix: string): RedisPubSub {
    const connection = new Redis(url, { maxRetriesPerRequest: 2 });
    connections.push(connection);
    const log = createLogger(
      'warn',
      new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const pubsub = new RedisPubSub(connection, prefix, log);
    pubsubs.push(pubsub);
    return pubsub;
  }

  const uniquePrefix = () => `ecsgraph-test:pubsub:${crypto.randomBytes(6).toString('hex')}:`;

  beforeEach(() => {
    logLines = [];
  });
  afterEach(async () => {
    for (const pubsub of pubsubs.splice(0)) await pubsub.close();
    for (const connection of connections.splice(0)) connection.disconnect();
  });

  it('fans a message out across connections: published by one, received by the other', async () => {
    const prefix = uniquePrefix();
    const one = open(prefix);
    const two = open(prefix);
    const onTwo = recorder();
    const onOne = recorder();
    await two.subscribe('job:42', onTwo.handler);
    await one.subscribe('job:42', onOne.handler);
    await one.publish('job:42', { state: 'DONE', progress: 100, steps: ['a', 'b'] });
    await until(() => onTwo.got.length === 1 && onOne.got.length === 1);
    expect(onTwo.got).toEqual([{ state: 'DONE', progress: 100, steps: ['a', 'b'] }]);
    expect(onOne.got).toEqual([{ state: 'DONE', progress: 100, steps: ['a', 'b'] }]);
  });

  it('uses the prefix on the Redis channel', async () => {
    const prefix = uniquePrefix();
    const pubsub = open(prefix);
    const r = recorder();
    await pubsub.subscribe('c', r.handler);
    const publisher = new Redis(url);
    connections.push(publisher);
    expect(await publisher.publish(`${prefix}c`, JSON.stringify({ raw: true }))).toBe(1);
    expect(await publisher.publish('c', JSON.stringify({ unprefixed: true }))).toBe(0);
    await until(() => r.got.length === 1);
    expect(r.got).toEqual([{ raw: true }]);
  });

  it('stops delivery after unsubscribe', async () => {
    const prefix = uniquePrefix();
    const publisher = open(prefix);
    const subscriber = open(prefix);
    const r = recorder();
    const marker = recorder();
    const unsubscribe = await subscriber.subscribe('c', r.handler);
    await subscriber.subscribe('marker', marker.handler);
    await publisher.publish('c', 1);
    await until(() => r.got.length === 1);

    await unsubscribe();
    await publisher.publish('c', 2);
    // Messages from one connection arrive in order: once the marker is in, message 2 would have been too.
    await publisher.publish('marker', 'after');
    await until(() => marker.got.length === 1);
    expect(r.got).toEqual([1]);
    // Redis no longer has a subscriber on the channel.
    const probe = new Redis(url);
    connections.push(probe);
    expect(await probe.publish(`${prefix}c`, '3')).toBe(0);
  });

  it('calls two handlers of one channel once each, and keeps the second after the first unsubscribes', async () => {
    const prefix = uniquePrefix();
    const publisher = open(prefix);
    const subscriber = open(prefix);
    const a = recorder();
    const b = recorder();
    const unsubscribeA = await subscriber.subscribe('c', a.handler);
    await subscriber.subscribe('c', b.handler);
    await publisher.publish('c', 'one');
    await until(() => a.got.length >= 1 && b.got.length >= 1);
    // Give a duplicate delivery time to show up.
    await new Promise((r) => setTimeout(r, 100));
    expect(a.got).toEqual(['one']);
    expect(b.got).toEqual(['one']);

    await unsubscribeA();
    await publisher.publish('c', 'two');
    await until(() => b.got.length === 2);
    expect(b.got).toEqual(['one', 'two']);
    expect(a.got).toEqual(['one']);
  });

  it('drops a message that is not JSON, logs it, and keeps delivering', async () => {
    const prefix = uniquePrefix();
    const subscriber = open(prefix);
    const r = recorder();
    await subscriber.subscribe('c', r.handler);
    const raw = new Redis(url);
    connections.push(raw);
    expect(await raw.publish(`${prefix}c`, 'not json {')).toBe(1);
    expect(await raw.publish(`${prefix}c`, JSON.stringify({ ok: true }))).toBe(1);
    await until(() => r.got.length === 1);
    expect(r.got).toEqual([{ ok: true }]);
    expect(logLines.some((line) => line.includes('not JSON'))).toBe(true);
    // Still subscribed and working afterwards.
    await subscriber.publish('c', 'again');
    await until(() => r.got.length === 2);
    expect(r.got[1]).toBe('again');
  });

  it('isolates prefixes: the same channel name under another prefix is another channel', async () => {
    const prefixA = uniquePrefix();
    const prefixB = uniquePrefix();
    const a = open(prefixA);
    const b = open(prefixB);
    const onA = recorder();
    const onB = recorder();
    await a.subscribe('c', onA.handler);
    await b.subscribe('c', onB.handler);
    await a.publish('c', 'for A');
    await b.publish('c', 'for B');
    await until(() => onA.got.length >= 1 && onB.got.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(onA.got).toEqual(['for A']);
    expect(onB.got).toEqual(['for B']);
  });

  it('delivers nothing after close', async () => {
    const prefix = uniquePrefix();
    const publisher = open(prefix);
    const subscriber = open(prefix);
    const r = recorder();
    await subscriber.subscribe('c', r.handler);
    // Closed here, so not again in afterEach (ioredis arms a 2 s timer on a second disconnect).
    pubsubs.splice(pubsubs.indexOf(subscriber), 1);
    await subscriber.close();
    const probe = new Redis(url);
    connections.push(probe);
    // Once the subscriber connection is gone, Redis counts no receiver for the channel.
    let receivers = 1;
    for (let i = 0; i < 50 && receivers > 0; i++) {
      receivers = Number(await probe.publish(`${prefix}c`, JSON.stringify('probe')));
      if (receivers > 0) await new Promise((res) => setTimeout(res, 20));
    }
    expect(receivers).toBe(0);
    await publisher.publish('c', 'late');
    await new Promise((res) => setTimeout(res, 100));
    expect(r.got).toEqual([]);
  });
});
