import type { SimClock } from '../common';
import { CsError, internalError } from './envelope';
import { csDate, uuid } from './state';

/*
 * Async jobs (reference §5). A job has two halves, as in the server: `begin` runs when the
 * command is accepted (state checks, the resource moving to Starting/Stopping…) and `finish`
 * when its simulated duration has passed. Either may throw a CsError; the job then ends with
 * jobstatus 2 and `{errorcode, errortext}`. Due jobs are settled at the start of every request,
 * so that lists show the new states even when nobody polls the job.
 */

export type JobResult = Record<string, unknown>;

export interface Job {
  id: string;
  accountId: string;
  userId: string;
  /** Java class of the command, as `cmd` shows it. */
  cmd: string;
  instanceType: string;
  instanceId: string | null;
  created: number;
  durationMs: number;
  status: 0 | 1 | 2;
  resultCode: number;
  result: JobResult | null;
  completed: number | null;
  finish: (() => JobResult) | null;
}

export interface JobSpec {
  accountId: string;
  userId: string;
  cmd: string;
  instanceType: string;
  instanceId: string | null;
  /** Simulated duration before timeScale, ms. */
  durationMs: number;
  begin?: () => void;
  finish: () => JobResult;
}

export class Jobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly clock: SimClock) {}

  submit(spec: JobSpec): Job {
    const job: Job = {
      id: uuid(),
      accountId: spec.accountId,
      userId: spec.userId,
      cmd: spec.cmd,
      instanceType: spec.instanceType,
      instanceId: spec.instanceId,
      created: this.clock.now(),
      durationMs: spec.durationMs,
      status: 0,
      resultCode: 0,
      result: null,
      completed: null,
      finish: spec.finish,
    };
    this.jobs.set(job.id, job);
    try {
      spec.begin?.();
    } catch (err) {
      this.fail(job, err);
    }
    return job;
  }

  /** Finishes every job whose time has come, oldest first (later jobs may depend on earlier ones). */
  settle(): void {
    for (const job of this.jobs.values()) {
      if (job.status !== 0 || !job.finish || !this.clock.elapsed(job.created, job.durationMs)) continue;
      const finish = job.finish;
      job.finish = null;
      try {
        job.result = finish();
        job.status = 1;
        job.completed = this.clock.now();
      } catch (err) {
        this.fail(job, err);
      }
    }
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  all(): Job[] {
    return [...this.jobs.values()];
  }

  /** The job still running on a resource: lists show its jobid/jobstatus on the item (not while it is finishing). */
  pendingOn(instanceId: string): Job | undefined {
    for (const job of this.jobs.values()) if (job.status === 0 && job.finish && job.instanceId === instanceId) return job;
    return undefined;
  }

  view(job: Job): Record<string, unknown> {
    return {
      jobid: job.id,
      accountid: job.accountId,
      userid: job.userId,
      cmd: job.cmd,
      jobstatus: job.status,
      jobprocstatus: 0,
      jobresultcode: job.resultCode,
      jobresulttype: 'object',
      jobresult: job.result ?? undefined,
      jobinstancetype: job.instanceType,
      jobinstanceid: job.instanceId ?? undefined,
      created: csDate(job.created),
      completed: job.completed ? csDate(job.completed) : undefined,
    };
  }

  private fail(job: Job, err: unknown): void {
    const error = err instanceof CsError ? err : internalError(`Unexpected exception while executing ${job.cmd}: ${String(err)}`);
    job.finish = null;
    job.status = 2;
    job.resultCode = error.errorcode;
    job.result = { errorcode: error.errorcode, errortext: error.errortext };
    job.completed = this.clock.now();
  }
}
