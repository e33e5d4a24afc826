import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import { jobs } from '../store/schema';

/** What a worker knows of one job it holds. */
export interface HeldJob {
  /** Another worker took the job over (its lease ran out unrenewed): this one is to let go. */
  leaseLost: boolean;
  /** cancelJob asked for it (as last read). */
  cancelRequested: boolean;
  /** When what `cancelRequested` says was read (by the claim, a write of the job, or a read of every held job's), ms. */
  readAt: number;
}

/**
 * The jobs a worker holds, watched together rather than each on its own: one statement renews
 * every lease (each third of JOB_LEASE_SECONDS), and one read tells which of them were asked to
 * stop, shared by every job's check within CANCEL_READ_FRESH_MS of it. With 500 jobs waiting on
 * their clouds, that is a few statements a second in all instead of several per job.
 */
export class HeldJobs {
  private readonly held = new Map<string, HeldJob>();
  private renewer: NodeJS.Timeout | null = null;
  /** The read of the held jobs' cancellations under way or last made, and when it began. */
  private sweep: { at: number; done: Promise<void> } | null = null;

  constructor(
    private readonly deps: { db: Db; log: Logger },
    private readonly workerId: string,
    private readonly leaseSeconds: number,
    /** How old a read of the cancellations may be for a check to go by it, ms. */
    private readonly freshMs: number,
  ) {}

  /**
   * Holds `jobId` from now (just claimed: `cancelRequested` as the claim read it) until
   * `release`. A hold of the same job still under way lost its lease (the claim could not
   * have taken the job otherwise): it lets go at its next check.
   */
  hold(jobId: string, cancelRequested: boolean): HeldJob {
    const job: HeldJob = { leaseLost: false, cancelRequested, readAt: Date.now() };
    const before = this.held.get(jobId);
    if (before) before.leaseLost = true;
    this.held.set(jobId, job);
    if (!this.renewer) {
      this.renewer = setInterval(() => void this.renew(), Math.max(200, (this.leaseSeconds * 1000) / 3));
      this.renewer.unref();
    }
    return job;
  }

  /** Lets go of `job` (what `hold` gave; a later hold of the same id is its own). */
  release(jobId: string, job: HeldJob): void {
    if (this.held.get(jobId) === job) this.held.delete(jobId);
    if (this.held.size === 0 && this.renewer) {
      clearInterval(this.renewer);
      this.renewer = null;
    }
  }

  /** What a write of `job` found of its cancellation: it stands for a read. */
  seen(job: HeldJob, cancelRequested: boolean): void {
    job.cancelRequested ||= cancelRequested;
    job.readAt = Date.now();
  }

  /**
   * Whether the job of `job` (what `hold` gave) was asked to stop, as read within `freshMs`:
   * by the job's own claim or writes, else by a read of every held job's cancellation, the
   * one under way or last made if it began within `freshMs`, or a new one.
   */
  async cancelRequested(job: HeldJob): Promise<boolean> {
    if (!job.cancelRequested && Date.now() - job.readAt >= this.freshMs) {
      if (!this.sweep || Date.now() - this.sweep.at >= this.freshMs) {
        const sweep = { at: Date.now(), done: this.readCancellations() };
        // A read that failed is not shared on: the next check reads again.
        sweep.done.catch(() => {
          if (this.sweep === sweep) this.sweep = null;
        });
        this.sweep = sweep;
      }
      await this.sweep.done;
    }
    return job.cancelRequested;
  }

  private async readCancellations(): Promise<void> {
    const at = Date.now();
    // The holds as they are now: one that ends and is taken again meanwhile is not told of this read.
    const holds = new Map(this.held);
    if (!holds.size) return;
    const rows = await this.deps.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(inArray(jobs.id, [...holds.keys()]), isNotNull(jobs.cancelRequestedAt)));
    for (const { id } of rows) holds.get(id)!.cancelRequested = true;
    for (const job of holds.values()) if (job.readAt < at) job.readAt = at;
  }

  /** Renews the lease of every held job; one no longer this worker's (taken over) is marked lost. */
  private async renew(): Promise<void> {
    const holds = new Map(this.held);
    if (!holds.size) return;
    try {
      const renewed = await this.deps.db
        .update(jobs)
        .set({ lockedUntil: sql`now() + make_interval(secs => ${this.leaseSeconds})` })
        .where(and(inArray(jobs.id, [...holds.keys()]), eq(jobs.lockedBy, this.workerId), eq(jobs.status, 'RUNNING')))
        .returning({ id: jobs.id });
      const kept = new Set(renewed.map((r) => r.id));
      // A hold the renewal did not renew: another worker has the job, or it has ended. A new hold
      // of the same job, taken while the renewal ran, is not this one and is not marked.
      for (const [id, job] of holds) if (!kept.has(id)) job.leaseLost = true;
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message, jobs: holds.size }, 'job leases not renewed');
    }
  }
}
