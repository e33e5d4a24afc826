import { LRUCache } from 'lru-cache';
import type { Logger } from '../logger';
import type { PubSub } from '../pubsub/pubsub';

/** The pubsub channel on which a process tells the others which keys a write changed. */
export const ROW_CACHE_CHANNEL = 'store.forget';

export interface RowCacheOptions {
  /** How long an entry may answer, ms (STORE_CACHE_MS); 0 reads the store every time. */
  ttlMs: number;
  pubsub: PubSub;
  log: Logger;
  /** Entries kept at most; past it the least recently used goes. */
  max?: number;
  /** The clock, ms (tests); default performance.now. */
  now?: () => number;
}

/**
 * Rows that nearly every request reads and few write (datacenters, the image catalogue, users'
 * tenancies, a signed-in user's own row), kept by the process for STORE_CACHE_MS instead of
 * read by every request. A write forgets its keys at once in its own process and, over the
 * pubsub, in every other gateway and worker; the time limit bounds what a lost message can
 * leave stale. A read that began before a forget does not keep what it read, and a failed read
 * is not kept. Values are shared by every request: callers must not change them.
 */
export class RowCache {
  /** Reads by key, in flight or done; entries live STORE_CACHE_MS (lru-cache's ttl). */
  private readonly entries: LRUCache<string, Promise<unknown>>;
  /** Moves on at every forget: a read of several keys that began before one does not keep what it read. */
  private generation = 0;
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(private readonly options: RowCacheOptions) {
    this.entries = new LRUCache({
      max: options.max ?? 10_000,
      ttl: Math.max(options.ttlMs, 1),
      // The clock read at every look-up, not cached for a millisecond: an entry answers for STORE_CACHE_MS exactly.
      ttlResolution: 0,
      ...(options.now ? { perf: { now: options.now } } : {}),
    });
  }

  /** Listens for the keys other processes' writes change. */
  async start(): Promise<void> {
    if (this.unsubscribe || this.options.ttlMs <= 0) return;
    this.unsubscribe = await this.options.pubsub.subscribe(ROW_CACHE_CHANNEL, (payload) => {
      const keys = (payload as { keys?: unknown } | null)?.keys;
      if (Array.isArray(keys)) this.drop(keys.filter((k): k is string => typeof k === 'string'));
    });
  }

  async close(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    this.entries.clear();
    await unsubscribe?.();
  }

  /** The value of `key`, read with `load` when no live entry holds it. */
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (this.options.ttlMs <= 0) return load();
    const kept = this.entries.get(key) as Promise<T> | undefined;
    if (kept) return kept;
    // Kept while in flight: a forget meanwhile drops it, so a read begun before a write is not kept.
    const value = load();
    this.keep(key, value);
    return value;
  }

  /**
   * The values of `keys`, the missing ones read together by one `load` (which answers those it
   * finds; a key it does not answer is absent from the result and not kept).
   */
  async getMany<T>(keys: readonly string[], load: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>> {
    if (this.options.ttlMs <= 0) return load([...keys]);
    const found = new Map<string, Promise<T | undefined>>();
    const missing: string[] = [];
    for (const key of keys) {
      const kept = this.entries.get(key) as Promise<T> | undefined;
      if (kept) found.set(key, kept);
      else missing.push(key);
    }
    if (missing.length) {
      const generation = this.generation;
      const read = load(missing);
      for (const key of missing) found.set(key, read.then((rows) => rows.get(key)));
      // Kept once read (absent keys are not), unless a forget came meanwhile.
      read.then(
        (rows) => {
          if (generation !== this.generation) return;
          for (const key of missing) if (rows.has(key)) this.keep(key, Promise.resolve(rows.get(key)));
        },
        () => undefined,
      );
    }
    const result = new Map<string, T>();
    for (const [key, value] of found) {
      const row = await value;
      if (row !== undefined) result.set(key, row);
    }
    return result;
  }

  /**
   * After a write: drops `keys` here and tells the other processes. The write has happened, so
   * a pubsub that cannot be reached does not fail it: the other processes' entries run out
   * within STORE_CACHE_MS.
   */
  async forget(...keys: string[]): Promise<void> {
    this.drop(keys);
    // Said even when this process keeps nothing (STORE_CACHE_MS 0): the others may keep rows.
    try {
      await this.options.pubsub.publish(ROW_CACHE_CHANNEL, { keys });
    } catch (err) {
      this.options.log.warn({ err, keys }, 'could not tell the other processes of a change; their cached rows run out within STORE_CACHE_MS');
    }
  }

  private drop(keys: readonly string[]): void {
    this.generation++;
    for (const key of keys) this.entries.delete(key);
  }

  private keep(key: string, value: Promise<unknown>): void {
    this.entries.set(key, value);
    // A failed read is not kept: the next one tries again.
    value.catch(() => {
      if (this.entries.peek(key) === value) this.entries.delete(key);
    });
  }
}
