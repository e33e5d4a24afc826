import { and, asc, count, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import { CloudError, type CatalogReader, type Operation } from '../../clouds/driver';
import { AppError, conflict, ErrorCode, notFound } from '../../errors';
import type { PubSub } from '../../pubsub/pubsub';
import { jobEvents, jobs, type JobEventRow, type JobRow } from '../../store/schema';
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape } from '../connection';
import type { Viewer } from '../context';
import { localId } from '../node/global-id';
import type { AppDeps } from '../services';
import { Job, JobStatus } from './job.type';

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

/** What a running job's work can do: report progress, name its resource, wait for the cloud. */
export interface JobRun {
  readonly id: string;
  progress(percent: number, message: string): Promise<void>;
  /** Records the global id of the resource once the cloud has named it. */
  setResource(globalId: string): Promise<void>;
  /** Follows a cloud operation to its end; the id of what it made (or acted on). Throws the cloud's error when it failed. */
  wait(reader: CatalogReader, op: Operation<unknown>, message: string): Promise<string | null>;
}

/** Poll policy while a job waits for the cloud: quick first, then every 2 s, until the job's deadline (JOB_DEADLINE_SECONDS). */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;

export const jobChannel = (jobId: string) => `job:${jobId}`;
export const JOB_EVENTS_CHANNEL = 'jobs';

/** What `event()` publishes on both channels: the stored event, plus whose job it is. */
export interface JobEventMessage {
  jobId: string;
  seq: number;
  status: JobRow['status'];
  progress: number;
  message: string | null;
  /** ISO-8601: payloads cross Redis as JSON. */
  at: string;
  userId: string | null;
  datacenterId: string | null;
}

/** A job event as the stored row, with the owner known for filtering. */
export type LiveJobEvent = JobEventRow & { userId: string | null; datacenterId: string | null };

/** Statuses after which a job writes no further event. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]);

/**
 * Events waiting for a subscriber that reads slower than they come. Past this the subscriber
 * is dropped rather than let the gateway's memory grow; jobProgress with afterSeq resumes.
 */
export const MAX_PENDING_EVENTS = 1000;

export class JobService {
  constructor(private readonly deps: AppDeps) {}

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
   * Runs `work` as a job: the row is written RUNNING, every step and poll adds an event, and
   * the job ends SUCCEEDED, or FAILED with the error kept (which is then rethrown).
   */
  async run<T>(spec: JobSpec, work: (job: JobRun) => Promise<T>): Promise<{ job: Job; result: T }> {
    const outcome = await this.attempt(spec, work);
    if ('error' in outcome) throw outcome.error;
    return outcome;
  }

  /** Like `run`, but a failure is returned with the FAILED job instead of thrown. */
  async attempt<T>(spec: JobSpec, work: (job: JobRun) => Promise<T>): Promise<{ job: Job; result: T } | { job: Job; error: unknown }> {
    const [row] = await this.deps.db
      .insert(jobs)
      .values({
        kind: spec.kind,
        status: 'RUNNING',
        userId: spec.userId ?? spec.viewer.userId,
        datacenterId: spec.datacenterId ?? null,
        tenancyId: spec.tenancyId ?? null,
        resourceId: spec.resourceId ?? null,
        payload: spec.payload ?? {},
        attempts: 1,
        startedAt: new Date(),
        deadlineAt: new Date(Date.now() + this.deps.config.jobs.deadlineSeconds * 1000),
      })
      .returning();
    await this.event(row.id, 'RUNNING', 0, 'started');
    const run: JobRun = {
      id: row.id,
      progress: async (percent, message) => {
        await this.stopIfCancelled(row.id);
        await this.event(row.id, 'RUNNING', percent, message);
      },
      setResource: async (globalId) => {
        await this.deps.db.update(jobs).set({ resourceId: globalId, updatedAt: new Date() }).where(eq(jobs.id, row.id));
      },
      wait: (reader, op, message) => this.follow(row, spec.datacenterName ?? 'cloud', reader, op, message),
    };
    try {
      const result = await work(run);
      return { job: Job.fromRow(await this.finish(row.id, 'SUCCEEDED', null)), result };
    } catch (error) {
      const status = error instanceof JobCancelled ? 'CANCELLED' : 'FAILED';
      return { job: Job.fromRow(await this.finish(row.id, status, errorInfo(error))), error };
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
    return updated;
  }

  private async stopIfCancelled(jobId: string): Promise<void> {
    const [row] = await this.deps.db.select({ at: jobs.cancelRequestedAt }).from(jobs).where(eq(jobs.id, jobId));
    if (row?.at) throw new JobCancelled();
  }

  private async follow(job: JobRow, datacenter: string, reader: CatalogReader, op: Operation<unknown>, message: string): Promise<string | null> {
    const jobId = job.id;
    const fallbackId = (op.resource as { id?: string } | null)?.id ?? null;
    if (op.handle.kind === 'done') return op.handle.resourceId ?? fallbackId;
    const deadline = job.deadlineAt!.getTime();
    let delay = FIRST_POLL_MS;
    let last = -1;
    for (;;) {
      await this.stopIfCancelled(jobId);
      const status = await reader.pollOperation(op.handle);
      if (status.done) {
        if (!status.ok) throw new CloudError(status.error.code, status.error.message, status.error.upstream, datacenter);
        return status.resourceId ?? fallbackId;
      }
      if (status.progress !== last) {
        last = status.progress;
        await this.event(jobId, 'RUNNING', Math.min(99, Math.max(1, Math.round(status.progress))), message);
      }
      if (Date.now() + delay > deadline) {
        throw new AppError('UPSTREAM_UNAVAILABLE', `${message}: not finished by the job's deadline (${this.deps.config.jobs.deadlineSeconds} s); the cloud may still complete it.`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(MAX_POLL_MS, delay * 2);
    }
  }

  /** Appends an event (seq = the job's next) and publishes it. */
  private async event(jobId: string, status: JobRow['status'], progress: number, message: string | null): Promise<void> {
    const [job] = await this.deps.db
      .update(jobs)
      .set({ lastSeq: sql`${jobs.lastSeq} + 1`, status, progress, message, updatedAt: new Date() })
      .where(eq(jobs.id, jobId))
      .returning();
    const [event] = await this.deps.db.insert(jobEvents).values({ jobId, seq: job.lastSeq, status, progress, message }).returning();
    const payload: JobEventMessage = { ...event, at: event.at.toISOString(), userId: job.userId, datacenterId: job.datacenterId };
    await Promise.all([
      this.deps.pubsub.publish(jobChannel(jobId), payload),
      this.deps.pubsub.publish(JOB_EVENTS_CHANNEL, payload),
    ]).catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message, jobId }, 'job event not published'));
  }

  private async finish(jobId: string, status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', error: unknown): Promise<JobRow> {
    await this.event(jobId, status, status === 'SUCCEEDED' ? 100 : 0, status === 'SUCCEEDED' ? 'done' : (error as { message: string }).message);
    const [row] = await this.deps.db
      .update(jobs)
      .set({ error, finishedAt: new Date(), updatedAt: new Date(), ...(status === 'SUCCEEDED' ? { progress: 100 } : {}) })
      .where(eq(jobs.id, jobId))
      .returning();
    return row;
  }
}

function fromMessage(message: JobEventMessage): LiveJobEvent {
  return {
    jobId: message.jobId,
    seq: message.seq,
    status: message.status,
    progress: message.progress,
    message: message.message,
    at: new Date(message.at),
    userId: message.userId,
    datacenterId: message.datacenterId,
  };
}

/**
 * A pubsub subscription read as an async iterator. Payloads wait in order until read. A
 * hand-written iterator rather than an async generator: a generator's return() waits for
 * the pending next() — for an idle job, forever — so a client that leaves would keep its
 * subscription; here return() ends a pending read at once and unsubscribes.
 */
class EventFeed<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private readonly readers: { resolve: (result: IteratorResult<T>) => void; reject: (err: unknown) => void }[] = [];
  private failure: unknown = null;
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
    const reader = this.readers.shift();
    if (reader) return reader.resolve({ value, done: false });
    if (this.queue.length >= MAX_PENDING_EVENTS) {
      return this.fail(
        new GraphQLError('This subscriber fell too far behind the events; subscribe again.', { extensions: { code: ErrorCode.RATE_LIMITED } }),
      );
    }
    this.queue.push(value);
  }

  /** Reads drain the queue, then finish. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const reader of this.readers.splice(0)) reader.resolve({ value: undefined, done: true });
    void this.release();
  }

  private fail(err: unknown): void {
    this.queue.length = 0;
    const readers = this.readers.splice(0);
    if (readers.length) for (const reader of readers) reader.reject(err);
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

/** What a failed job keeps: the code, the message the client saw, and the cloud's words. */
function errorInfo(err: unknown): { code: string; message: string; upstream: unknown } {
  if (err instanceof CloudError) return { code: err.code, message: err.message, upstream: err.upstream };
  if (err instanceof AppError) return { code: err.code, message: err.message, upstream: err.details.upstream ?? null };
  return { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.', upstream: null };
}

/** A job stopped on request (cancelJob). */
class JobCancelled extends AppError {
  constructor() {
    super('CONFLICT', 'The job was cancelled.');
  }
}
