import crypto from 'node:crypto';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { CloudError, type CatalogReader, type Operation, type OperationHandle } from '../clouds/driver';
import { AppError, ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { PubSub } from '../pubsub/pubsub';
import type { WithSubqueryWithSelection } from 'drizzle-orm/pg-core';
import type { Db } from '../store/db';
import { encoded, placeholders, prepared, value } from '../store/prepared';
import { jobEvents, jobs, type JobRow } from '../store/schema';

/** What a running job's work can do: report progress, name its resource, wait for the cloud. */
export interface JobRun {
  readonly id: string;
  /** Which attempt at the job this is, from 1: on the first, no earlier attempt can have begun any of its work. */
  readonly attempt: number;
  /** Throws when the job is to stop: cancelled, or (run by a worker) its lease lost or its worker stopping. */
  check(): Promise<void>;
  progress(percent: number, message: string): Promise<void>;
  /** Records the global id of the resource once the cloud has named it. */
  setResource(globalId: string): Promise<void>;
  /** Follows a cloud operation to its end; the id of what it made (or acted on). Throws the cloud's error when it failed. */
  wait(reader: CatalogReader, op: Operation<unknown>, message: string): Promise<string | null>;
  /**
   * Starts a cloud operation once per job: its handle is kept in the job's state before the
   * wait, so a job resumed by another worker polls that handle instead of starting it again.
   */
  operation(key: string, reader: CatalogReader, start: () => Promise<Operation<unknown>>, message: string): Promise<string | null>;
  /** Runs `step` once per job: its (JSON) result is kept, and a resumed job gets it back without running it again. */
  once<T>(key: string, step: () => Promise<T>): Promise<T>;
}

/**
 * Poll policy while a job waits for the cloud: quick first, then every 2 s, until the job's
 * deadline. While the cloud reports progress, the next poll aims at the end that the progress
 * so far foretells, so a job learns of the end about when it comes, with fewer polls than the
 * doubling needs: never later than 2 s. Work whose cloud tells no progress (CloudStack's jobs),
 * or has told none yet (the first polls of a Nova build), is polled the same way, aimed at the
 * end that work of its kind in that datacenter took lately (`TypicalDurations`); it doubles
 * until one ended. A poll that comes at the foretold end and
 * finds the work still under way is followed by one 100 ms later, then 200, 400…: a foretold
 * end a little early costs a tenth of a second, not a whole 2 s poll, and a cloud stuck at
 * 99 % is asked ever less often, up to every 2 s.
 */
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;
/** Added to a foretold end: a poll just before it would find the work unfinished. */
const AIM_MARGIN_MS = 25;

/** How much a new duration moves the typical one: within a few jobs of a cloud that slows down or speeds up. */
const TYPICAL_WEIGHT = 0.25;

/**
 * How long work of a kind (a job kind in a datacenter) took lately, as a moving average of the
 * durations its polls saw end (each the middle of the last poll that found the work under way
 * and the one that found it done, where the end lies): what a poll aims at while nothing
 * better foretells the end (work whose cloud tells no progress, or has told none yet).
 */
export class TypicalDurations {
  private readonly byKey = new Map<string, number>();

  constructor(private readonly maxKeys = 1000) {}

  /** The typical duration of work of `key`, ms; undefined while none has been seen to end. */
  of(key: string): number | undefined {
    return this.byKey.get(key);
  }

  record(key: string, ms: number): void {
    const before = this.byKey.get(key);
    if (before === undefined && this.byKey.size >= this.maxKeys) this.byKey.delete(this.byKey.keys().next().value!);
    this.byKey.set(key, before === undefined ? ms : before + (ms - before) * TYPICAL_WEIGHT);
  }
}

/** One per database, so per app: the worker's journal, a request's and a step's learn from the same jobs. */
const typicalByDb = new WeakMap<Db, TypicalDurations>();

/** The durations every journal of `db` in this process aims its polls with. */
export function typicalDurationsOf(db: Db): TypicalDurations {
  let typical = typicalByDb.get(db);
  if (!typical) typicalByDb.set(db, (typical = new TypicalDurations()));
  return typical;
}

export const jobChannel = (jobId: string) => `job:${jobId}`;
export const JOB_EVENTS_CHANNEL = 'jobs';

/** What an event publishes on both channels: the stored event, plus whose job it is. */
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

export type FinalStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Statuses after which a job writes no further event. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set<FinalStatus>(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** A job stopped on request (cancelJob). */
export class JobCancelled extends AppError {
  constructor() {
    super('CONFLICT', 'The job was cancelled.');
  }
}

/** A job past its deadline: it fails, it is not tried again. */
export class JobDeadlineExceeded extends AppError {
  constructor(message: string) {
    super('UPSTREAM_UNAVAILABLE', message);
  }
}

/** This worker no longer holds the job (its lease ran out and another worker took it): stop without a word. */
export class JobLeaseLost extends Error {
  constructor() {
    super('the job was taken over by another worker');
  }
}

/** What a change of a job row may set; the event's seq and the row's update time are the journal's. */
export type JobChange = Omit<Partial<{ [K in keyof typeof jobs.$inferInsert]: (typeof jobs.$inferInsert)[K] | SQL }>, 'lastSeq' | 'updatedAt'>;

/** What a new job is written with; the other columns take their defaults. */
export type NewJob = Required<
  Pick<
    typeof jobs.$inferInsert,
    'kind' | 'status' | 'progress' | 'message' | 'userId' | 'requestedBy' | 'datacenterId' | 'tenancyId' | 'resourceId' | 'payload' | 'deadlineAt'
  >
> &
  Partial<Pick<typeof jobs.$inferInsert, 'id' | 'runner' | 'state' | 'attempts' | 'startedAt'>>;

/** The columns `create` writes, each given by a placeholder of its name. */
const NEW_JOB_COLUMNS = [
  'id',
  'kind',
  'status',
  'progress',
  'message',
  'userId',
  'requestedBy',
  'datacenterId',
  'tenancyId',
  'resourceId',
  'payload',
  'deadlineAt',
  'runner',
  'state',
  'attempts',
  'startedAt',
] as const satisfies readonly (keyof NewJob)[];

/** The columns of a changed job row that its event takes. */
type EventSource = WithSubqueryWithSelection<Pick<typeof jobs._.columns, 'id' | 'lastSeq' | 'status' | 'progress' | 'message'>, 'changed'>;

/** The update of a job row, appending the event of its new status, progress and message, as one statement: the row as written and the event. */
function changeOf(db: Db, set: JobChange, where: SQL | undefined, updatedAt: Date | SQL) {
  const changed = db.$with('changed').as(
    db
      .update(jobs)
      .set({ ...set, lastSeq: sql`${jobs.lastSeq} + 1`, updatedAt })
      .where(where)
      .returning(),
  );
  const added = eventOf(db, changed);
  return db.with(changed, added).select().from(changed).innerJoin(added, sql`true`);
}

/** The event of a job row that `changed` (a CTE of the job's update) returns, as a CTE that inserts it. */
function eventOf(db: Db, changed: EventSource) {
  return db.$with('added').as(
    db
      .insert(jobEvents)
      .select(
        db
          .select({ jobId: changed.id, seq: changed.lastSeq, status: changed.status, progress: changed.progress, message: changed.message, at: sql`now()`.as('at') })
          .from(changed),
      )
      .returning(),
  );
}

interface JournalDeps {
  db: Db;
  pubsub: PubSub;
  log: Logger;
  deadlineSeconds: number;
}

/** Kept in `jobs.state` per step key. */
interface StepState {
  handle?: OperationHandle;
  resourceId?: string | null;
  done?: boolean;
  value?: unknown;
}

/**
 * The record of a job as it runs: events with their seq, published as they are written; the
 * state steps keep; the end. Shared by jobs a worker runs and steps run inside another job.
 */
export class JobJournal {
  /** What the process's jobs took at their clouds, by datacenter and job kind. */
  private readonly typical: TypicalDurations;

  constructor(private readonly deps: JournalDeps) {
    this.typical = typicalDurationsOf(deps.db);
  }

  /**
   * Appends an event (seq = the job's next), sets the job's status and progress, and publishes
   * it. What the write found of the job's cancellation comes back (null when the job is gone),
   * so a worker need not read it again for a while.
   */
  async event(jobId: string, status: JobRow['status'], progress: number, message: string | null): Promise<{ cancelRequested: boolean } | null> {
    const statement = prepared(this.deps.db, 'job_event', (db) => {
      // Only what the event needs comes back: a job's payload and state can be large.
      const changed = db.$with('changed').as(
        db
          .update(jobs)
          .set({ lastSeq: sql`${jobs.lastSeq} + 1`, status: value('status'), progress: value('progress'), message: value('message'), updatedAt: value('at') })
          .where(eq(jobs.id, sql.placeholder('id')))
          .returning({
            id: jobs.id,
            lastSeq: jobs.lastSeq,
            status: jobs.status,
            progress: jobs.progress,
            message: jobs.message,
            userId: jobs.userId,
            datacenterId: jobs.datacenterId,
            cancelRequestedAt: jobs.cancelRequestedAt,
          }),
      );
      const added = eventOf(db, changed);
      return db.with(changed, added).select().from(changed).innerJoin(added, sql`true`).prepare('job_event');
    });
    const changed = await this.changed(await statement.execute({ id: jobId, status, progress, message, at: new Date().toISOString() }));
    return changed ? { cancelRequested: changed.cancelRequestedAt !== null } : null;
  }

  /** Writes a new job and its first event (its status, progress and message, seq 1) in one statement, and publishes the event. */
  async create(values: NewJob): Promise<JobRow> {
    const statement = prepared(this.deps.db, 'job_create', (db) => {
      const inserted = db.$with('changed').as(db.insert(jobs).values({ ...placeholders(NEW_JOB_COLUMNS), lastSeq: 1 }).returning());
      const added = eventOf(db, inserted);
      return db.with(inserted, added).select().from(inserted).innerJoin(added, sql`true`).prepare('job_create');
    });
    const given: Record<(typeof NEW_JOB_COLUMNS)[number], unknown> = {
      ...values,
      id: values.id ?? crypto.randomUUID(),
      runner: values.runner ?? null,
      state: values.state ?? {},
      attempts: values.attempts ?? 0,
      startedAt: values.startedAt ?? null,
    };
    return (await this.changed(await statement.execute(encoded(jobs, given))))!;
  }

  /**
   * Changes the job where `where` also holds (the job's new status, progress and message make
   * its next event), and appends and publishes that event, in one statement: the row as the
   * write left it, or undefined when no row matched.
   */
  async change(jobId: string, set: JobChange, where?: SQL): Promise<JobRow | undefined> {
    return this.changed(await changeOf(this.deps.db, set, and(eq(jobs.id, jobId), where), new Date()));
  }

  /**
   * `change` for what every job does (its claim, its end): a statement prepared once per
   * database under `name` (one name, one statement), whose `set` and `where` take their values
   * from placeholders (`value`) given in `values`, with `id` the job's and `at` the time of
   * the write.
   */
  changeBy(name: string, set: JobChange, where?: SQL): (jobId: string, values?: Record<string, unknown>) => Promise<JobRow | undefined> {
    const statement = prepared(this.deps.db, name, (db) => changeOf(db, set, and(eq(jobs.id, sql.placeholder('id')), where), value('at')).prepare(name));
    return async (jobId, values = {}) => this.changed(await statement.execute({ ...values, id: jobId, at: new Date().toISOString() }));
  }

  /** Publishes the event a change appended; the job row as the change returned it, or undefined when none matched. */
  private async changed<T extends Pick<JobRow, 'userId' | 'datacenterId'>>(rows: { changed: T; added: typeof jobEvents.$inferSelect }[]): Promise<T | undefined> {
    const [row] = rows;
    if (!row) return undefined;
    await this.publish(row.added, row.changed);
    return row.changed;
  }

  private async publish(event: typeof jobEvents.$inferSelect, job: Pick<JobRow, 'userId' | 'datacenterId'>): Promise<void> {
    const payload: JobEventMessage = { ...event, at: event.at.toISOString(), userId: job.userId, datacenterId: job.datacenterId };
    await Promise.all([
      this.deps.pubsub.publish(jobChannel(event.jobId), payload),
      this.deps.pubsub.publish(JOB_EVENTS_CHANNEL, payload),
    ]).catch((err: unknown) => this.deps.log.warn({ err: (err as Error).message, jobId: event.jobId }, 'job event not published'));
  }

  /** The final event and the end: SUCCEEDED keeps `result`, FAILED / CANCELLED the error. Sealed secrets are dropped. */
  async finish(jobId: string, status: FinalStatus, outcome: { result?: unknown; error?: unknown }): Promise<JobRow> {
    const error = status === 'SUCCEEDED' ? null : errorInfo(outcome.error);
    // What the job made is stored by the write that takes the final event's seq: whoever sees the event reads it.
    const finish = this.changeBy('job_finish', {
      error: value('error'),
      result: value('result'),
      state: sql`${jobs.state} - 'sealed'`,
      lockedBy: null,
      lockedUntil: null,
      finishedAt: value('at'),
      status: value('status'),
      progress: value('progress'),
      message: value('message'),
    });
    const row = await finish(
      jobId,
      encoded(jobs, {
        error,
        result: outcome.result,
        status,
        progress: status === 'SUCCEEDED' ? 100 : 0,
        message: status === 'SUCCEEDED' ? 'done' : error!.message,
      }),
    );
    return row!;
  }

  /**
   * The JobRun of a job. `check` runs before every step and poll (cancellation, a lost
   * lease); `datacenter` names the cloud in its errors; `seen`, when given, hears what each
   * write of the run found of the job's cancellation (a read `check` may then skip).
   */
  runOf(row: JobRow, datacenter: string, check: () => Promise<void>, seen?: (cancelRequested: boolean) => void): JobRun {
    const state = { ...(row.state as Record<string, StepState>) };
    const write = (name: string, set: JobChange) => {
      const statement = prepared(this.deps.db, name, (db) =>
        db
          .update(jobs)
          .set({ ...set, updatedAt: value('at') })
          .where(eq(jobs.id, sql.placeholder('id')))
          .returning({ cancelRequestedAt: jobs.cancelRequestedAt })
          .prepare(name),
      );
      return async (values: Record<string, unknown>) => {
        const [written] = await statement.execute({ ...values, id: row.id, at: new Date().toISOString() });
        if (written) seen?.(written.cancelRequestedAt !== null);
      };
    };
    const keepState = write('job_keep', { state: sql`${jobs.state} || ${value('patch')}::jsonb` });
    const setResource = write('job_resource', { resourceId: value('resourceId') });
    const keep = (key: string, step: StepState) => {
      state[key] = step;
      return keepState({ patch: JSON.stringify({ [key]: step }) });
    };
    const event = async (percent: number, message: string) => {
      const written = await this.event(row.id, 'RUNNING', percent, message);
      if (written) seen?.(written.cancelRequested);
    };
    const run: JobRun = {
      id: row.id,
      attempt: Math.max(1, row.attempts),
      check,
      progress: async (percent, message) => {
        await check();
        await event(percent, message);
      },
      setResource: (globalId) => setResource({ resourceId: globalId }),
      wait: (reader, op, message) => this.follow(row, datacenter, reader, op.handle, (op.resource as { id?: string } | null)?.id ?? null, message, check, event),
      operation: async (key, reader, start, message) => {
        const kept = state[key];
        if (kept?.done) return (kept.value as string | null) ?? null;
        let handle = kept?.handle;
        let resourceId = kept?.resourceId ?? null;
        // When the cloud began: unknown for a handle an earlier attempt kept, else when it asks below.
        let since: number | null = null;
        if (!handle) {
          await check();
          since = Date.now();
          const op = await start();
          handle = op.handle;
          resourceId = (op.resource as { id?: string } | null)?.id ?? (op.handle.kind === 'cloudstack-job' ? (op.handle.resourceId ?? null) : null);
          await keep(key, { handle, resourceId });
        }
        const madeId = await this.follow(row, datacenter, reader, handle, resourceId, message, check, event, since);
        await keep(key, { done: true, value: madeId });
        return madeId;
      },
      once: async <T>(key: string, step: () => Promise<T>): Promise<T> => {
        const kept = state[key];
        if (kept?.done) return kept.value as T;
        await check();
        const value = await step();
        await keep(key, { done: true, value: value ?? null });
        return value;
      },
    };
    return run;
  }

  private async follow(
    job: JobRow,
    datacenter: string,
    reader: CatalogReader,
    handle: OperationHandle,
    fallbackId: string | null,
    message: string,
    check: () => Promise<void>,
    /** Writes a progress event of the run. */
    event: (percent: number, message: string) => Promise<void>,
    /** When the cloud began the work (its progress is read against it); null when not known (a resumed job: from now, and its end teaches nothing). */
    began: number | null = Date.now(),
  ): Promise<string | null> {
    if (handle.kind === 'done') return handle.resourceId ?? fallbackId;
    const since = began ?? Date.now();
    const deadline = job.deadlineAt?.getTime() ?? Date.now() + this.deps.deadlineSeconds * 1000;
    const kind = `${datacenter}:${job.kind}`;
    let delay = FIRST_POLL_MS;
    let last = -1;
    /** When the last poll found the work under way (ms since it began): the end lies after it. */
    let pendingAt = 0;
    /** Polls that came at the foretold end and found the work still under way, one after another. */
    let misses = 0;
    // Work of a kind seen to end lately is first asked about when such work ended (at most the longest poll); other work at once.
    const typical = this.typical.of(kind);
    let next = typical === undefined ? { ms: 0, atEnd: false } : pollDelay(typical - (Date.now() - since), 0, delay);
    for (;;) {
      if (next.ms > 0) {
        if (Date.now() + next.ms > deadline) {
          throw new JobDeadlineExceeded(`${message}: not finished by the job's deadline (${this.deps.deadlineSeconds} s); the cloud may still complete it.`);
        }
        await new Promise((resolve) => setTimeout(resolve, next.ms));
      }
      await check();
      const asked = Date.now() - since;
      const status = await reader.pollOperation(handle);
      if (status.done) {
        if (!status.ok) throw new CloudError(status.error.code, status.error.message, status.error.upstream, datacenter);
        if (began !== null) this.typical.record(kind, (pendingAt + asked) / 2);
        return status.resourceId ?? fallbackId;
      }
      pendingAt = asked;
      misses = next.atEnd ? misses + 1 : 0;
      if (status.progress !== last) {
        last = status.progress;
        await event(Math.min(99, Math.max(1, Math.round(status.progress))), message);
      }
      const elapsed = Date.now() - since;
      const typicalMs = this.typical.of(kind);
      const remaining = status.progress > 0 ? remainingByProgress(status.progress, elapsed) : typicalMs === undefined ? undefined : typicalMs - elapsed;
      next = pollDelay(remaining, misses, delay);
      delay = Math.min(MAX_POLL_MS, delay * 2);
    }
  }
}

/** How long until the end that `percent` done after `elapsedMs` foretells, at the same pace, ms. */
export function remainingByProgress(percent: number, elapsedMs: number): number {
  return (elapsedMs * (100 - percent)) / percent;
}

/**
 * The wait before the next poll, and whether it reaches the foretold end. `remainingMs` is how
 * long until the end the work foretells (by its progress, or by the typical duration of its
 * kind; negative once that end has passed), undefined when nothing foretells it: then the
 * doubling `delay`. Aimed a little after the foretold end, never later than the longest poll,
 * and never sooner than the first poll's delay doubled for each of `misses`, the polls in a row
 * that came at a foretold end and found the work still under way.
 */
export function pollDelay(remainingMs: number | undefined, misses: number, delay: number): { ms: number; atEnd: boolean } {
  if (remainingMs === undefined) return { ms: delay, atEnd: false };
  const toEnd = remainingMs + AIM_MARGIN_MS;
  const soonest = Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** misses);
  return { ms: Math.round(Math.min(MAX_POLL_MS, Math.max(soonest, toEnd))), atEnd: toEnd <= MAX_POLL_MS };
}

/** What a failed job keeps: the code, the message the client saw, the field and datacenter named, and the cloud's words. */
export interface JobErrorInfo {
  code: string;
  message: string;
  upstream: unknown;
  datacenter?: string;
  details?: Record<string, unknown>;
}

export function errorInfo(err: unknown): JobErrorInfo {
  if (err instanceof CloudError) return { code: err.code, message: err.message, upstream: err.upstream, datacenter: err.datacenter };
  if (err instanceof AppError) {
    const { upstream, ...details } = err.details;
    return { code: err.code, message: err.message, upstream: upstream ?? null, details };
  }
  return { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Unexpected error.', upstream: null };
}

/** The error a job kept, as the client would have seen it had the work run in its request. */
export function errorOf(info: JobErrorInfo): Error {
  if (info.datacenter !== undefined) {
    return new CloudError(info.code as CloudError['code'], info.message, info.upstream as CloudError['upstream'], info.datacenter);
  }
  return new AppError(info.code as ErrorCode, info.message, { ...(info.details ?? {}), ...(info.upstream ? { upstream: info.upstream } : {}) });
}
