/**
 * What carries job ids from the gateway that writes a job to the worker that runs it. The job
 * itself (its intent, payload, state and lease) lives in the job table; a carrier may lose an
 * entry (Redis flushed) and the reconciler puts it back.
 */
/** What a run asks of its queue entry: nothing (done with it), or to be delivered again after `retryInMs`. */
export type Redelivery = { retryInMs: number } | void;

export interface JobQueue {
  readonly name: 'table' | 'bullmq';
  /** Hands a committed job to a worker, not before `delayMs`. Pushing an id that is already queued is a no-op. */
  push(jobId: string, delayMs?: number): Promise<void>;
  /** Whether the carrier holds the job (waiting, delayed or being run); the table queue always does. */
  holds(jobId: string): Promise<boolean>;
  /**
   * Starts taking jobs: `run` is called at most `concurrency` times at once in this process.
   * When it answers `retryInMs`, the job is to be run again (by any worker) after that long.
   */
  consume(run: (jobId: string) => Promise<Redelivery>, concurrency: number): Promise<void>;
  /** Stops taking jobs and waits for the ones under way (up to the caller's patience). */
  close(): Promise<void>;
}
