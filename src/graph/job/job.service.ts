import { and, asc, count, desc, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import crypto from 'node:crypto';
import { conflict, notFound } from '../../errors';
import { FINAL_STATUSES, JOB_EVENTS_CHANNEL, JobCancelled, JobJournal, errorOf, jobChannel, type JobErrorInfo, type JobEventMessage, type JobRun } from '../../jobs/journal';
import { EventFeed, MAX_PENDING_EVENTS } from '../../pubsub/feed';
import { jobEvents, jobs, type JobEventRow, type JobRow } from '../../store/schema';
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape } from '../connection';
import type { Viewer } from '../context';
import { localId } from '../node/global-id';
import type { AppDeps } from '../services';
import { Job, JobStatus } from './job.type';

export { FINAL_STATUSES, JOB_EVENTS_CHANNEL, jobChannel, MAX_PENDING_EVENTS, type JobEventMessage, type JobRun };

const sealedAad = (jobId: string) => `job:${jobId}:secrets`;

/** How often a waiting mutation reads its job's row besides listening for its events. */
const SETTLE_POLL_MS = 1000;

export interface JobSpec {
  /** The operation, e.g. `createInstance`. */
  kind: string;
  viewer: Viewer;
  /** The user the job works for (default: the viewer). */
  userId?: string | null;
  datacenterId?: string | null;
  /** The datacenter's short name, named by errors of the cloud's operations. */
  datacenterName?: string | null;
  tenancyId?: string | null;
  /** Global id of the resource acted on, when known before the job starts. */
  resourceId?: string | null;
  payload?: Record<string, unknown>;
}

/** A job event as the stored row, with the owner known for filtering. */
export type LiveJobEvent = JobEventRow & { userId: string | null; datacenterId: string | null };


export class JobService {
  private readonly journal: JobJournal;

  /** `parent`: the job a worker runs for these services; the jobs run inside it stop when it must. */
  constructor(
    private readonly deps: AppDeps,
    private readonly parent: JobRun | null = null,
  ) {
    this.journal = new JobJournal({ db: deps.db, pubsub: deps.pubsub, log: deps.log, deadlineSeconds: deps.config.jobs.deadlineSeconds });
  }

  /** A job the viewer may see: its own, or any for admins. Anything else is NOT_FOUND. */
  async get(viewer: Viewer, id: string): Promise<JobRow> {
    const jobId = localId(id, 'Job');
    const [row] = await this.deps.db.select().from(jobs).where(eq(jobs.id, jobId));
    if (!row || (viewer.role !== 'ADMIN' && row.userId !== viewer.userId)) throw notFound('Job');
    return row;
  }

  /** Newest first. Users see their own jobs; admins everyone's, or one user's. */
  async list(viewer: Viewer, args: { status?: JobStatus | null; userId?: string | null; first?: number | null; after?: string | null }): Promise<ConnectionShape<Job>> {
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const filters: SQL[] = [];
    const owner = viewer.role === 'ADMIN' ? args.userId : viewer.userId;
    if (owner) filters.push(eq(jobs.userId, owner));
    if (args.status) filters.push(eq(jobs.status, args.status));
    const where = filters.length ? and(...filters) : undefined;
    const page = cursor
      ? and(where, or(lt(jobs.createdAt, new Date(String(cursor[0]))), and(eq(jobs.createdAt, new Date(String(cursor[0]))), lt(jobs.id, String(cursor[1])))))
      : where;
    const [rows, [{ n }]] = await Promise.all([
      this.deps.db.select().from(jobs).where(page).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(limit + 1),
      this.deps.db.select({ n: count() }).from(jobs).where(where),
    ]);
    return toConnection(rows, limit, n, !!cursor, (r) => encodeCursor([r.createdAt.toISOString(), r.id]), Job.fromRow);
  }

  /**
   * The events of a job after `afterSeq`: the stored ones, then live ones as they are written,
   * each exactly once and in seq order; ends after the event of a final status (at once when
   * the caller has already seen it). Access is the caller's to check.
   *
   * The channel is subscribed before the store is read, so an event written meanwhile is in
   * the replay, in the live buffer, or in both, never in neither; the seq drops the second copy.
   */
  async watch(jobId: string, afterSeq = 0): Promise<AsyncIterableIterator<JobEventRow>> {
    const feed = new EventFeed<JobEventRow>();
    let last = afterSeq;
    let held: JobEventRow[] | null = [];
    const deliver = (event: JobEventRow) => {
      if (feed.ended) return;
      if (event.seq > last) {
        last = event.seq;
        feed.push(event);
      }
      if (FINAL_STATUSES.has(event.status)) feed.end();
    };
    await feed.attach(this.deps.pubsub, jobChannel(jobId), (payload) => {
      const event = fromMessage(payload as JobEventMessage);
      if (held) held.push(event);
      else deliver(event);
    });
    try {
      const [stored, [job]] = await Promise.all([
        this.events(jobId, afterSeq),
        this.deps.db.select({ status: jobs.status, lastSeq: jobs.lastSeq }).from(jobs).where(eq(jobs.id, jobId)),
      ]);
      // No await from here on: the replay and what was held go out before any newer live event.
      for (const event of stored) deliver(event);
      for (const event of held) deliver(event);
      held = null;
      // The caller saw the final event on an earlier subscription: nothing more will come.
      if (!job || (FINAL_STATUSES.has(job.status) && job.lastSeq <= last)) feed.end();
    } catch (err) {
      await feed.return();
      throw err;
    }
    return feed;
  }

  /** Every event published from now on that `accept` lets through; never ends by itself. */
  async live(accept: (event: LiveJobEvent) => boolean): Promise<AsyncIterableIterator<LiveJobEvent>> {
    const feed = new EventFeed<LiveJobEvent>();
    await feed.attach(this.deps.pubsub, JOB_EVENTS_CHANNEL, (payload) => {
      const event = fromMessage(payload as JobEventMessage);
      if (accept(event)) feed.push(event);
    });
    return feed;
  }

  async events(jobId: string, afterSeq = 0): Promise<JobEventRow[]> {
    return this.deps.db
      .select()
      .from(jobEvents)
      .where(and(eq(jobEvents.jobId, jobId), gt(jobEvents.seq, afterSeq)))
      .orderBy(asc(jobEvents.seq));
  }

  /**
   * Writes a job for a worker and hands it over: the row and its first event (QUEUED) in one
   * statement, then the queue's push (a lost push is made good by the reconciler). Secrets
   * the work needs are sealed into the job's state and dropped when it ends.
   */
  async enqueue(spec: JobSpec & { runner: string; secrets?: Record<string, unknown> }): Promise<JobRow> {
    const id = crypto.randomUUID();
    const sealed = spec.secrets ? this.deps.secrets.sealJson(spec.secrets, sealedAad(id)) : null;
    const row = await this.journal.create({ ...this.rowOf(spec), id, runner: spec.runner, status: 'QUEUED', progress: 0, message: 'queued', state: sealed ? { sealed } : {} });
    await this.deps.queue.push(id).catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message, jobId: id }, 'job not pushed; the reconciler will'));
    return row;
  }

  /** What every job row records of its spec. */
  private rowOf(spec: JobSpec) {
    return {
      kind: spec.kind,
      userId: spec.userId ?? spec.viewer.userId,
      requestedBy: spec.viewer.userId,
      datacenterId: spec.datacenterId ?? null,
      tenancyId: spec.tenancyId ?? null,
      resourceId: spec.resourceId ?? null,
      payload: spec.payload ?? {},
      deadlineAt: new Date(Date.now() + this.deps.config.jobs.deadlineSeconds * 1000),
    };
  }

  /**
   * A mutation's job: queued, then settled for as long as the caller waits (`waitMs`). When
   * it ended FAILED or CANCELLED in that time, its error is the mutation's, as if the work
   * had run in the request.
   */
  async submit(spec: JobSpec & { runner: string; secrets?: Record<string, unknown> }, waitMs: number): Promise<JobRow> {
    const row = await this.settle(await this.enqueue(spec), waitMs);
    if ((row.status === 'FAILED' || row.status === 'CANCELLED') && row.error) throw errorOf(row.error as JobErrorInfo);
    return row;
  }

  /** The secrets `enqueue` sealed for the job (its runner's), or null once it has ended. */
  secretsOf<T>(job: JobRow): T | null {
    const sealed = (job.state as { sealed?: string }).sealed;
    return sealed ? this.deps.secrets.openJson<T>(sealed, sealedAad(job.id)) : null;
  }

  /**
   * The job once it has ended, when the caller asked to wait (`Prefer: wait=N`) and it ends
   * in time; else as it is now. Follows the job's events (a worker anywhere ends the wait at
   * once with Redis), and reads the row every second besides: without Redis, a worker in
   * another process publishes where this one does not hear.
   */
  async settle(job: JobRow, waitMs: number): Promise<JobRow> {
    if (waitMs <= 0 || FINAL_STATUSES.has(job.status)) return job;
    const deadline = Date.now() + waitMs;
    const feed = await this.watch(job.id, 0);
    const status = async () => (await this.deps.db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, job.id)))[0]?.status;
    try {
      // One read of the feed at a time: a read left behind by the timer would take an event from the next.
      let pending = feed.next();
      for (let left = waitMs; left > 0; left = deadline - Date.now()) {
        let timer: NodeJS.Timeout | undefined;
        const next = await Promise.race([pending, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.min(left, SETTLE_POLL_MS))))]);
        clearTimeout(timer);
        if (next === null) {
          if (FINAL_STATUSES.has((await status()) ?? 'FAILED')) break;
          continue;
        }
        if (next.done || FINAL_STATUSES.has(next.value.status)) break;
        pending = feed.next();
      }
    } finally {
      await feed.return?.();
    }
    const [row] = await this.deps.db.select().from(jobs).where(eq(jobs.id, job.id));
    return row ?? job;
  }

  /**
   * Runs `work` now, inside the caller (a step of another job): the row is written RUNNING,
   * every step and poll adds an event, and the job ends SUCCEEDED, or FAILED with the error
   * kept (which is then rethrown).
   */
  async run<T>(spec: JobSpec, work: (job: JobRun) => Promise<T>): Promise<{ job: Job; result: T }> {
    const outcome = await this.attempt(spec, work);
    if ('error' in outcome) throw outcome.error;
    return outcome;
  }

  /** Like `run`, but a failure is returned with the FAILED job instead of thrown. */
  async attempt<T>(spec: JobSpec, work: (job: JobRun) => Promise<T>): Promise<{ job: Job; result: T } | { job: Job; error: unknown }> {
    const row = await this.journal.create({ ...this.rowOf(spec), status: 'RUNNING', progress: 0, message: 'started', attempts: 1, startedAt: new Date() });
    const run = this.journal.runOf(row, spec.datacenterName ?? 'cloud', async () => {
      await this.parent?.check();
      await this.stopIfCancelled(row.id);
    });
    try {
      const result = await work(run);
      return { job: Job.fromRow(await this.journal.finish(row.id, 'SUCCEEDED', {})), result };
    } catch (error) {
      const status = error instanceof JobCancelled ? 'CANCELLED' : 'FAILED';
      return { job: Job.fromRow(await this.journal.finish(row.id, status, { error })), error };
    }
  }

  /**
   * Asks a job to stop: it ends CANCELLED at its next step or poll. What the cloud already
   * began is not undone (a build under way goes on; the job's resource names it).
   */
  async cancel(viewer: Viewer, id: string): Promise<JobRow> {
    const row = await this.get(viewer, id);
    if (FINAL_STATUSES.has(row.status)) throw conflict(`The job has ended already (${row.status}).`, 'id');
    const [updated] = await this.deps.db
      .update(jobs)
      .set({ cancelRequestedAt: row.cancelRequestedAt ?? new Date(), updatedAt: new Date() })
      .where(eq(jobs.id, row.id))
      .returning();
    // Not begun: nothing in the cloud to let finish.
    const [unclaimed] = await this.deps.db
      .update(jobs)
      .set({ status: 'CANCELLED', updatedAt: new Date() })
      .where(and(eq(jobs.id, row.id), eq(jobs.status, 'QUEUED')))
      .returning();
    if (unclaimed) return this.journal.finish(row.id, 'CANCELLED', { error: new JobCancelled() });
    return updated;
  }

  private async stopIfCancelled(jobId: string): Promise<void> {
    const [row] = await this.deps.db.select({ at: jobs.cancelRequestedAt }).from(jobs).where(eq(jobs.id, jobId));
    if (row?.at) throw new JobCancelled();
  }

}

/**
 * The event of a published message, made once per message: the pubsub hands every handler
 * of a process the same parsed message, so its subscribers all get the same (read-only)
 * object, and the WebSocket server executes a shared subscription once per event.
 */
const liveEvents = new WeakMap<JobEventMessage, LiveJobEvent>();

function fromMessage(message: JobEventMessage): LiveJobEvent {
  let event = liveEvents.get(message);
  if (!event) {
    event = {
      jobId: message.jobId,
      seq: message.seq,
      status: message.status,
      progress: message.progress,
      message: message.message,
      at: new Date(message.at),
      userId: message.userId,
      datacenterId: message.datacenterId,
    };
    liveEvents.set(message, event);
  }
  return event;
}
