import type { Logger } from '../logger';
import type { PubSub } from '../pubsub/pubsub';

/** The pubsub channel on which a process tells the others which keys a write changed. */
export const ROW_CACHE_CHANNEL = 'store.forget';

export interface RowCacheOptions {
  /** How long an entry may answer, ms (STORE_CACHE_MS); 0 reads the store every time. */
  ttlMs: number;
  pubsub: PubSub;
  log: Logger;
  /** Entries kept at most; past it the oldest goes. */
  max?: number;
  now?: () => number;
}

interface Entry {
  until: number;
  value: Promise<unknown>;
}

/**
 * Rows that nearly every request reads and few write (datacenters, the image catalogue), kept
 * by the process for STORE_CACHE_MS instead of read by every request. A write forgets its keys
 * at once in its own process and, over the pubsub, in every other gateway and worker; the time
 * limit bounds what a lost message can leave stale. A read that began before a forget does not
 * keep what it read, and a failed read is not kept. Values are shared by every request: callers
 * must not change them.
 */
export class RowCache {
  private readonly entries = new Map<string, Entry>();
  /** Moves on at every forget: a read that began before one does not keep what it read. */
  private generation = 0;
  private unsubscribe: (() => Promise<void>) | null = null;
  private readonly max: number;
  private readonly now: () => number;

  constructor(private readonly options: RowCacheOptions) {
    this.max = options.max ?? 10_000;
    this.now = options.now ?? Date.now;
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
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.value as Promise<T>;
    if (entry) this.entries.delete(key);
    const generation = this.generation;
    const value = load();
    this.keep(key, value, now, generation);
    return value;
  }

  /**
   * The values of `keys`, the missing ones read together by one `load` (which answers those it
   * finds; a key it does not answer is absent from the result and not kept).
   */
  async getMany<T>(keys: readonly string[], load: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>> {
    if (this.options.ttlMs <= 0) return load([...keys]);
    const now = this.now();
    const found = new Map<string, Promise<T | undefined>>();
    const missing: string[] = [];
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry && entry.until > now) found.set(key, entry.value as Promise<T>);
      else missing.push(key);
    }
    if (missing.length) {
      const generation = this.generation;
      const read = load(missing);
      for (const key of missing) {
        const value = read.then((rows) => rows.get(key));
        found.set(key, value);
        void value.then(
          (row) => row !== undefined && this.keep(key, Promise.resolve(row), now, generation),
          () => undefined,
        );
      }
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

  private keep(key: string, value: Promise<unknown>, now: number, generation: number): void {
    if (generation !== this.generation) return;
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { until: now + this.options.ttlMs, value });
    // A failed read is not kept: the next one tries again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
  }
}
