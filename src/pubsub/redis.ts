import Redis from 'ioredis';
import type { Logger } from '../logger';
import type { PubSub } from './pubsub';

/**
 * Redis pub/sub: one connection publishes, one subscribes; channels are shared by every
 * handler of the process, so N subscribers of a channel cost one Redis subscription.
 */
export class RedisPubSub implements PubSub {
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, { handlers: Set<(payload: unknown) => void>; ready: Promise<unknown> }>();

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.subscriber = publisher.duplicate();
    this.subscriber.on('error', (err) => this.log.warn({ err: err.message }, 'redis subscriber error'));
    this.subscriber.on('message', (channel: string, message: string) => {
      const set = this.channels.get(channel)?.handlers;
      if (!set) return;
      let payload: unknown;
      try {
        payload = JSON.parse(message);
      } catch {
        this.log.warn({ channel }, 'dropped a pubsub message that is not JSON');
        return;
      }
      for (const handler of set) handler(payload);
    });
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    await this.publisher.publish(this.prefix + channel, JSON.stringify(payload));
  }

  async subscribe(channel: string, handler: (payload: unknown) => void): Promise<() => Promise<void>> {
    const key = this.prefix + channel;
    let entry = this.channels.get(key);
    if (!entry) {
      entry = { handlers: new Set(), ready: this.subscriber.subscribe(key) };
      this.channels.set(key, entry);
    }
    entry.handlers.add(handler);
    // Every caller, not only the first, returns once Redis confirms the subscription.
    await entry.ready;
    return async () => {
      const current = this.channels.get(key);
      if (!current?.handlers.delete(handler) || current.handlers.size > 0) return;
      this.channels.delete(key);
      await this.subscriber.unsubscribe(key);
    };
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    this.subscriber.disconnect();
  }
}
