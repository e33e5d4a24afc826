import { EventFeed, MAX_PENDING_EVENTS, type PushSink } from '../../src/pubsub/feed';
import { MemoryPubSub } from '../../src/pubsub/memory';

/** A feed of channel `c`, and a sink that records what it is handed. */
async function feedOf(pubsub: MemoryPubSub) {
  const feed = new EventFeed<number>();
  await feed.attach(pubsub, 'c', (payload) => feed.push(payload as number));
  const seen: (number | 'end' | { failed: string })[] = [];
  const sink: PushSink<number> = {
    next: (value) => void seen.push(value),
    end: () => void seen.push('end'),
    fail: (err) => void seen.push({ failed: (err as Error).message }),
  };
  return { feed, seen, sink };
}

describe('EventFeed in push mode', () => {
  it('hands the values waiting first, then each as it comes, then the end, once', async () => {
    const pubsub = new MemoryPubSub();
    const { feed, seen, sink } = await feedOf(pubsub);
    await pubsub.publish('c', 1);
    await pubsub.publish('c', 2);
    feed.listen(sink);
    expect(seen).toEqual([1, 2]);
    await pubsub.publish('c', 3);
    expect(seen).toEqual([1, 2, 3]);
    feed.end();
    feed.end();
    await pubsub.publish('c', 4);
    expect(seen).toEqual([1, 2, 3, 'end']);
  });

  it('ends at once a sink that comes after the end, with what waited', async () => {
    const pubsub = new MemoryPubSub();
    const { feed, seen, sink } = await feedOf(pubsub);
    await pubsub.publish('c', 1);
    feed.end();
    feed.listen(sink);
    expect(seen).toEqual([1, 'end']);
  });

  it('tells a sink that comes after an overflow that the feed failed, not that it ended', async () => {
    const pubsub = new MemoryPubSub();
    const { feed, seen, sink } = await feedOf(pubsub);
    for (let i = 0; i <= MAX_PENDING_EVENTS; i++) await pubsub.publish('c', i);
    feed.listen(sink);
    expect(seen).toEqual([{ failed: 'This subscriber fell too far behind the events; subscribe again.' }]);
  });

  it('never overflows while a sink takes the values', async () => {
    const pubsub = new MemoryPubSub();
    const { feed, seen, sink } = await feedOf(pubsub);
    feed.listen(sink);
    for (let i = 0; i < MAX_PENDING_EVENTS * 2; i++) await pubsub.publish('c', i);
    expect(seen).toHaveLength(MAX_PENDING_EVENTS * 2);
  });

  it('on return() stops handing values, without an end, and unsubscribes', async () => {
    const pubsub = new MemoryPubSub();
    const subscribe = pubsub.subscribe.bind(pubsub);
    const unsubscribed = jest.fn();
    jest.spyOn(pubsub, 'subscribe').mockImplementation(async (channel, handler) => {
      const off = await subscribe(channel, handler);
      return async () => {
        unsubscribed();
        await off();
      };
    });
    const { feed, seen, sink } = await feedOf(pubsub);
    feed.listen(sink);
    await feed.return();
    await pubsub.publish('c', 1);
    expect(seen).toEqual([]);
    expect(unsubscribed).toHaveBeenCalledTimes(1);
  });
});
