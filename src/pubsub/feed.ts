import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors';
import type { PubSub } from './pubsub';

/**
 * Events waiting for a subscriber that reads slower than they come. Past this the subscriber
 * is dropped rather than let the gateway's memory grow; jobProgress with afterSeq resumes.
 */
export const MAX_PENDING_EVENTS = 1000;

/** The error of a subscriber dropped for falling behind (here, or at its socket). */
export function fellBehind(): GraphQLError {
  return new GraphQLError('This subscriber fell too far behind the events; subscribe again.', { extensions: { code: ErrorCode.RATE_LIMITED } });
}

/** Where a feed in push mode hands its values, as they come. */
export interface PushSink<T> {
  next(value: T): void;
  /** No value follows. */
  end(): void;
  /** No value follows: the feed failed (e.g. it fell behind). */
  fail(err: unknown): void;
}

/** An async iterator that can instead push its values, at the moment each comes, to one sink. */
export interface PushSource<T> extends AsyncIterableIterator<T> {
  /** From now on every value goes to `sink`, those waiting first; next() is not to be called again. */
  listen(sink: PushSink<T>): void;
}

export function isPushSource(value: unknown): value is PushSource<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { listen?: unknown }).listen === 'function' && Symbol.asyncIterator in value;
}

/**
 * A pubsub subscription read as an async iterator. Payloads wait in order until read. A
 * hand-written iterator rather than an async generator: a generator's return() waits for
 * the pending next() — for an idle job, forever — so a client that leaves would keep its
 * subscription; here return() ends a pending read at once and unsubscribes.
 *
 * A reader that can take each payload the moment it comes (the WebSocket server's fan-out)
 * calls `listen` instead, and nothing waits in the feed: a promise and a turn of the event
 * loop per payload and subscriber are what the fan-out of one event to thousands costs most.
 */
export class EventFeed<T> implements PushSource<T> {
  private readonly queue: T[] = [];
  private readonly readers: { resolve: (result: IteratorResult<T>) => void; reject: (err: unknown) => void }[] = [];
  private failure: unknown = null;
  private sink: PushSink<T> | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private released: Promise<void> | null = null;
  /** No further payload is taken; what is queued is still read. */
  ended = false;

  async attach(pubsub: PubSub, channel: string, handler: (payload: unknown) => void): Promise<void> {
    this.unsubscribe = await pubsub.subscribe(channel, (payload) => {
      if (!this.ended) handler(payload);
    });
    // Ended (overflowed) before Redis confirmed the subscription: nothing will read it.
    if (this.ended) await this.release();
  }

  push(value: T): void {
    if (this.ended) return;
    if (this.sink) return this.sink.next(value);
    const reader = this.readers.shift();
    if (reader) return reader.resolve({ value, done: false });
    if (this.queue.length >= MAX_PENDING_EVENTS) return this.fail(fellBehind());
    this.queue.push(value);
  }

  /** Reads drain the queue, then finish. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const reader of this.readers.splice(0)) reader.resolve({ value: undefined, done: true });
    this.sink?.end();
    void this.release();
  }

  listen(sink: PushSink<T>): void {
    for (const value of this.queue.splice(0)) sink.next(value);
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      sink.fail(err);
    } else if (this.ended) sink.end();
    else this.sink = sink;
  }

  private fail(err: unknown): void {
    this.queue.length = 0;
    const sink = this.sink;
    this.sink = null;
    const readers = this.readers.splice(0);
    if (sink) sink.fail(err);
    else if (readers.length) for (const reader of readers) reader.reject(err);
    else this.failure = err;
    this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.failure) {
      const err = this.failure;
      this.failure = null;
      return Promise.reject(err);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<T>> {
    this.queue.length = 0;
    this.failure = null;
    this.sink = null;
    this.end();
    await this.release();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private release(): Promise<void> {
    if (!this.unsubscribe) return Promise.resolve();
    // Redis may be gone on shutdown; the subscription goes with its connection then.
    this.released ??= this.unsubscribe().catch(() => undefined);
    return this.released;
  }
}
