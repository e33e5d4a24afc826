/**
 * Fan-out of events between processes: job progress published by a worker reaches the
 * subscribers of every gateway replica. Payloads are JSON-serialisable.
 */
export interface PubSub {
  publish(channel: string, payload: unknown): Promise<void>;
  /**
   * Calls `handler` for every payload on `channel` until the returned function is called.
   * Every handler of the process gets the same payload object for one message (parsed once),
   * which it must not change; subscribers can tell a message's own fan-out by its identity.
   */
  subscribe(channel: string, handler: (payload: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
