import { EventEmitter } from 'node:events';
import type { PubSub } from './pubsub';

/** In-process pubsub for a single gateway (embedded mode). */
export class MemoryPubSub implements PubSub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, payload: unknown): Promise<void> {
    // Deliver a copy, as Redis would: subscribers never share an object with the publisher.
    const copy = JSON.parse(JSON.stringify(payload)) as unknown;
    this.emitter.emit(channel, copy);
  }

  async subscribe(channel: string, handler: (payload: unknown) => void): Promise<() => Promise<void>> {
    this.emitter.on(channel, handler);
    return async () => {
      this.emitter.off(channel, handler);
    };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
