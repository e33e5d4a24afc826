/**
 * Fan-out of events between processes: job progress published by a worker reaches the
 * subscribers of every gateway replica. Payloads are JSON-serialisable.
 */
export interface PubSub {
  publish(channel: string, payload: unknown): Promise<void>;
  /** Calls `handler` for every payload on `channel` until the returned function is called. */
  subscribe(channel: string, handler: (payload: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
