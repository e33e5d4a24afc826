import crypto from 'node:crypto';
import os from 'node:os';
import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import { CloudError } from '../clouds/driver';
import { AppError } from '../errors';
import type { Context, Viewer } from '../graph/context';
import { createServices, type AppDeps } from '../graph/services';
import { DatacenterService } from '../graph/datacenter/datacenter.service';
import { value } from '../store/prepared';
import { jobs, users, type JobRow } from '../store/schema';
import { HeldJobs } from './held';
import { JobCancelled, JobDeadlineExceeded, JobJournal, JobLeaseLost, errorInfo, type JobRun } from './journal';
import type { Redelivery } from './queue';
import type { Runner } from './runner';

/** Retries wait base × 2^(n-1), at most this long. */
const MAX_RETRY_DELAY_MS = 60_000;
/** A QUEUED job younger than this is left to the push that follows its write. */
const RECONCILE_GRACE_MS = 5_000;
/** How long a read of the held jobs' cancellations holds: the checks of steps and polls within it, of every job, share one read. */
const CANCEL_READ_FRESH_MS = 250;

/** This worker is shutting down: the job is handed to another one, not failed. */
class WorkerStopping extends Error {}

/**
 * Runs jobs: takes one from the queue, holds it with a lease it renews, runs its runner with
 * the state earlier attempts kept, and ends it. A transient cloud failure puts the job back
 * with backoff; a job whose worker died is taken over once its lease runs out; a job whose
 * queue entry was lost is pushed again by the reconciler.
 */
export class JobEngine {
  readonly workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  private readonly journal: JobJournal;
  private reconciler: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    private readonly deps: AppDeps,
    private readonly runners: ReadonlyMap<string, Runner>,
  ) {
    this.journal = new JobJournal({ db: deps.db, pubsub: deps.pubsub, log: deps.log, deadlineSeconds: deps.config.jobs.deadlineSeconds });
    // The claim writes the attempt's first event: `started`, or `resumed (attempt n)` after an earlier attempt.
    this.claim = this.journal.changeBy(
      'job_claim',
      {
        status: 'RUNNING',
        message: sql`case when ${jobs.attempts} = 0 then 'started' else 'resumed (attempt ' || (${jobs.attempts} + 1) || ')' end`,
        lockedBy: value('worker'),
        lockedUntil: sql`now() + make_interval(secs => ${value('lease')})`,
        attempts: sql`${jobs.attempts} + 1`,
        startedAt: sql`coalesce(${jobs.startedAt}, now())`,
        runAfter: null,
      },
      and(isNotNull(jobs.runner), this.takeable()),
    );
    this.held = new HeldJobs(deps, this.workerId, deps.config.jobs.leaseSeconds, CANCEL_READ_FRESH_MS);
    this.requester = deps.db.select({ id: users.id, role: users.role, username: users.username }).from(users).where(eq(users.id, sql.placeholder('id'))).prepare('job_requester');
  }

  /** Takes a job for this worker (`worker`, for `lease` seconds) if no live worker holds it. */
  private readonly claim: (jobId: string, values: { worker: string; lease: number }) => Promise<JobRow | undefined>;
  /** The statement every job runs, built once (see JobJournal.changeBy). */
  private readonly requester;
  /** The jobs this worker holds: their leases renewed and their cancellations read together. */
  private readonly held: HeldJobs;

  private get config() {
    return this.deps.config.jobs;
  }

  async start(): Promise<void> {
    await this.deps.queue.consume((id) => this.execute(id), this.config.concurrency);
    this.reconciler = setInterval(() => void this.reconcile().catch((err: unknown) => this.deps.log.warn({ err }, 'job reconciler failed')), this.config.reconcileSeconds * 1000);
    this.reconciler.unref();
    // After a restart: what was queued or under way when the last worker stopped goes on.
    await this.reconcile().catch((err: unknown) => this.deps.log.warn({ err }, 'job reconciler failed'));
    this.deps.log.info({ worker: this.workerId, queue: this.deps.queue.name, concurrency: this.config.concurrency }, 'job worker started');
  }

  /** Jobs under way stop at their next step or poll and are handed on (their lease released); nothing is failed. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.reconciler) clearInterval(this.reconciler);
  }

  /** Ids a worker may take now: QUEUED and due, or RUNNING under a lease that ran out. Oldest first. */
  async runnable(limit: number, skip: readonly string[] = []): Promise<string[]> {
    const rows = await this.deps.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(isNotNull(jobs.runner), this.takeable(), skip.length ? notInArray(jobs.id, [...skip]) : undefined))
      .orderBy(asc(jobs.createdAt))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  private takeable() {
    return or(
      and(eq(jobs.status, 'QUEUED'), or(isNull(jobs.runAfter), lte(jobs.runAfter, sql`now()`))),
      and(eq(jobs.status, 'RUNNING'), lt(jobs.lockedUntil, sql`now()`)),
    );
  }

  /**
   * Puts back in the queue every job a worker could take but no queue entry will bring: the
   * entry was lost (Redis flushed or restarted), or its worker died holding it.
   */
  async reconcile(): Promise<number> {
    const rows = await this.deps.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        and(
          isNotNull(jobs.runner),
          inArray(jobs.status, ['QUEUED', 'RUNNING']),
          this.takeable(),
          lt(jobs.updatedAt, new Date(Date.now() - RECONCILE_GRACE_MS)),
        ),
      )
      .orderBy(asc(jobs.createdAt))
      .limit(1000);
    let pushed = 0;
    for (const { id } of rows) {
      if (await this.deps.queue.holds(id)) continue;
      await this.deps.queue.push(id);
      pushed++;
    }
    if (pushed) this.deps.log.info({ pushed }, 'job reconciler: queue entries restored');
    return pushed;
  }

  /**
   * Takes the job if no live worker holds it, and runs it to its end or to its next retry.
   * Answers when the queue should bring the job back: for a retry, for a hand-on, or when the
   * lease of a worker that may have died runs out.
   */
  async execute(jobId: string): Promise<Redelivery> {
    if (this.stopping) return { retryInMs: 0 };
    const job = await this.claim(jobId, { worker: this.workerId, lease: this.config.leaseSeconds });
    if (!job) return this.notYet(jobId);
    const log = this.deps.log.child({ jobId, kind: job.kind, attempt: job.attempts, worker: this.workerId });

    // The claim has just read the row: its cancellation stands for the first check, as does what each later write of the job finds.
    const held = this.held.hold(jobId, !!job.cancelRequestedAt);
    const seen = (requested: boolean) => this.held.seen(held, requested);
    const check = async () => {
      if (held.leaseLost) throw new JobLeaseLost();
      if (this.stopping) throw new WorkerStopping();
      if (await this.held.cancelRequested(held)) throw new JobCancelled();
    };

    let again: Redelivery = undefined;
    try {
      const runner = job.runner ? this.runners.get(job.runner) : undefined;
      if (!runner) throw new AppError('INTERNAL_SERVER_ERROR', `No runner ${job.runner} in this worker.`);
      if (job.deadlineAt && job.deadlineAt.getTime() < Date.now()) {
        throw new JobDeadlineExceeded(`Not finished by the job's deadline (${this.config.deadlineSeconds} s).`);
      }
      await check();
      const parsed = runner.payload.safeParse(job.payload);
      if (!parsed.success) throw new AppError('INTERNAL_SERVER_ERROR', `The job's payload does not fit ${runner.name}: ${parsed.error.issues[0]?.message}.`);
      // Kept by the process (deps.rows): the datacenter is read once, not once per job.
      const dc = job.datacenterId ? await new DatacenterService(this.deps).byId(job.datacenterId, true) : null;
      const run = this.journal.runOf(job, dc?.shortName ?? 'cloud', check, seen);
      const ctx = await this.contextOf(job, run);
      const result = await runner.run(ctx, parsed.data, run, job);
      if (held.leaseLost) throw new JobLeaseLost();
      await this.journal.finish(jobId, 'SUCCEEDED', { result });
      log.info('job succeeded');
    } catch (err) {
      again = await this.ended(job, err, log).catch((failure: unknown) => {
        log.error({ err: failure }, 'job outcome not recorded');
        return undefined;
      });
    } finally {
      this.held.release(jobId, held);
    }
    return again;
  }

  /** A job this worker could not take: due later (a retry), held by a worker that may be dead (its lease), or done with. */
  private async notYet(jobId: string): Promise<Redelivery> {
    const [row] = await this.deps.db
      .select({ status: jobs.status, runAfter: jobs.runAfter, lockedUntil: jobs.lockedUntil, now: sql<Date>`now()` })
      .from(jobs)
      .where(eq(jobs.id, jobId));
    if (!row) return;
    const now = new Date(row.now).getTime();
    if (row.status === 'QUEUED' && row.runAfter) return { retryInMs: Math.max(0, row.runAfter.getTime() - now) };
    if (row.status === 'RUNNING' && row.lockedUntil) return { retryInMs: Math.max(0, row.lockedUntil.getTime() - now) + 250 };
  }

  private async ended(job: JobRow, err: unknown, log: AppDeps['log']): Promise<Redelivery> {
    if (err instanceof JobLeaseLost) {
      log.warn('job lease lost: another worker has it');
      return;
    }
    if (err instanceof WorkerStopping) {
      // Handed on: the lease ends now, so the next worker need not wait it out.
      await this.deps.db
        .update(jobs)
        .set({ lockedUntil: sql`now() - interval '1 second'`, updatedAt: new Date() })
        .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, this.workerId)));
      log.info('job handed on: worker stopping');
      return { retryInMs: 0 };
    }
    if (err instanceof JobCancelled) {
      await this.journal.finish(job.id, 'CANCELLED', { error: err });
      return;
    }
    if (transient(err) && job.attempts < this.config.maxAttempts) {
      const delayMs = Math.min(MAX_RETRY_DELAY_MS, this.config.retryBaseMs * 2 ** (job.attempts - 1));
      const info = errorInfo(err);
      await this.journal.change(job.id, {
        status: 'QUEUED',
        progress: job.progress,
        message: `${info.message} (attempt ${job.attempts} of ${this.config.maxAttempts}; again in ${Math.round(delayMs / 100) / 10} s)`,
        runAfter: new Date(Date.now() + delayMs),
        lockedBy: null,
        lockedUntil: null,
      });
      log.warn({ err: info.message, delayMs }, 'job will be retried');
      return { retryInMs: delayMs };
    }
    await this.journal.finish(job.id, 'FAILED', { error: err });
    if (!(err instanceof AppError) && !(err instanceof CloudError)) log.error({ err }, 'job failed unexpectedly');
    else log.info({ code: err.code }, 'job failed');
  }

  /** A request-like context for the runner: the services of a request, acting as the user who asked for the job. */
  private async contextOf(job: JobRow, run: JobRun): Promise<Context> {
    const requestId = `job-${job.id}`;
    const [user] = await this.requester.execute({ id: job.requestedBy ?? job.userId });
    if (!user) throw new AppError('NOT_FOUND', 'The user who asked for this job no longer exists.');
    const viewer: Viewer = { userId: user.id, role: user.role, username: user.username, sessionId: null, apiKeyId: null };
    return {
      requestId,
      viewer,
      ip: null,
      userAgent: null,
      log: this.deps.log.child({ requestId }),
      services: createServices(this.deps, { requestId, ip: null, userAgent: null }, run),
      job: run,
    };
  }
}

/** Worth another try: the cloud could not be reached or did not answer in time. A deadline is final. */
function transient(err: unknown): boolean {
  if (err instanceof JobDeadlineExceeded) return false;
  return (err instanceof CloudError || err instanceof AppError) && err.code === 'UPSTREAM_UNAVAILABLE';
}
