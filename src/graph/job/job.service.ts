import { and, asc, count, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import { CloudError, type CatalogReader, type Operation } from '../../clouds/driver';
import { AppError, notFound } from '../../errors';
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

/** Poll policy while the job engine waits inside the request: quick first, then every 2 s, 10 minutes at most. */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;
const OPERATION_DEADLINE_MS = 10 * 60_000;

export const jobChannel = (jobId: string) => `job:${jobId}`;
export const JOB_EVENTS_CHANNEL = 'jobs';

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
        deadlineAt: new Date(Date.now() + OPERATION_DEADLINE_MS),
      })
      .returning();
    await this.event(row.id, 'RUNNING', 0, 'started');
    const run: JobRun = {
      id: row.id,
      progress: (percent, message) => this.event(row.id, 'RUNNING', percent, message),
      setResource: async (globalId) => {
        await this.deps.db.update(jobs).set({ resourceId: globalId, updatedAt: new Date() }).where(eq(jobs.id, row.id));
      },
      wait: (reader, op, message) => this.follow(row.id, spec.datacenterName ?? 'cloud', reader, op, message),
    };
    try {
      const result = await work(run);
      return { job: Job.fromRow(await this.finish(row.id, 'SUCCEEDED', null)), result };
    } catch (error) {
      return { job: Job.fromRow(await this.finish(row.id, 'FAILED', errorInfo(error))), error };
    }
  }

  private async follow(jobId: string, datacenter: string, reader: CatalogReader, op: Operation<unknown>, message: string): Promise<string | null> {
    const fallbackId = (op.resource as { id?: string } | null)?.id ?? null;
    if (op.handle.kind === 'done') return op.handle.resourceId ?? fallbackId;
    const deadline = Date.now() + OPERATION_DEADLINE_MS;
    let delay = FIRST_POLL_MS;
    let last = -1;
    for (;;) {
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
        throw new AppError('UPSTREAM_UNAVAILABLE', `${message}: the cloud did not finish within ${OPERATION_DEADLINE_MS / 60_000} minutes.`);
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
    const payload = { ...event, at: event.at.toISOString(), userId: job.userId, datacenterId: job.datacenterId };
    await Promise.all([
      this.deps.pubsub.publish(jobChannel(jobId), payload),
      this.deps.pubsub.publish(JOB_EVENTS_CHANNEL, payload),
    ]).catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message, jobId }, 'job event not published'));
  }

  private async finish(jobId: string, status: 'SUCCEEDED' | 'FAILED', error: unknown): Promise<JobRow> {
    await this.event(jobId, status, status === 'SUCCEEDED' ? 100 : 0, status === 'SUCCEEDED' ? 'done' : (error as { message: string }).message);
    const [row] = await this.deps.db
      .update(jobs)
      .set({ error, finishedAt: new Date(), updatedAt: new Date(), ...(status === 'FAILED' ? {} : { progress: 100 }) })
      .where(eq(jobs.id, jobId))
      .returning();
    return row;
  }
}

/** What a failed job keeps: the code, the message the client saw, and the cloud's words. */
function errorInfo(err: unknown): { code: string; message: string; upstream: unknown } {
  if (err instanceof CloudError) return { code: err.code, message: err.message, upstream: err.upstream };
  if (err instanceof AppError) return { code: err.code, message: err.message, upstream: err.details.upstream ?? null };
  return { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.', upstream: null };
}
