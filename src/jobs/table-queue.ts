import type { JobQueue, Redelivery } from './queue';

/**
 * The job table as the queue (no Redis): the worker takes runnable jobs from it in the order
 * they were written, woken at once by a push from this process and every `pollMs` for jobs
 * written by other processes, retries coming due and jobs whose worker died.
 */
export class TableQueue implements JobQueue {
  readonly name = 'table' as const;
  private runner: ((jobId: string) => Promise<Redelivery>) | null = null;
  private concurrency = 1;
  private readonly active = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private poll: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private closed = false;

  constructor(
    /** Ids of jobs a worker may take now, oldest first. */
    private readonly runnable: (limit: number, skip: readonly string[]) => Promise<string[]>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  async push(_jobId: string, delayMs = 0): Promise<void> {
    if (!this.runner || this.closed) return;
    if (delayMs <= 0) return this.wake();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.wake();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  async holds(): Promise<boolean> {
    return true;
  }

  async consume(run: (jobId: string) => Promise<Redelivery>, concurrency: number): Promise<void> {
    this.runner = run;
    this.concurrency = concurrency;
    this.poll = setInterval(() => this.wake(), this.pollMs);
    this.poll.unref();
    this.wake();
  }

  private wake(): void {
    if (!this.runner || this.closed) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick()
      .catch(this.onError)
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async tick(): Promise<void> {
    const free = this.concurrency - this.active.size;
    if (free <= 0 || this.closed) return;
    const ids = await this.runnable(free, [...this.active.keys()]);
    for (const id of ids) {
      if (this.closed || this.active.has(id)) continue;
      const done = this.runner!(id)
        // The row says when it is due again (run_after, or a lease running out): a wake-up then is enough.
        .then((again) => (again ? this.push(id, again.retryInMs) : undefined))
        .catch(this.onError)
        .finally(() => {
          this.active.delete(id);
          this.wake();
        });
      this.active.set(id, done);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.active.values());
  }
}
