import type { z } from 'zod';
import type { Context } from '../graph/context';
import type { JobRow } from '../store/schema';
import type { JobRun } from './journal';

/**
 * The work of one kind of job: a name the job row keeps, the shape of its payload (checked
 * before the work starts), and the work itself, which runs as the user who asked for it and
 * returns what the job made (JSON, kept on the job). The work may run more than once for a
 * job (a retry, or a worker that died): every step that changes the cloud goes through
 * `run.operation` or `run.once`, so a second run goes on from where the first stopped.
 */
export interface Runner<P = any> {
  readonly name: string;
  readonly payload: z.ZodType<P>;
  run(ctx: Context, payload: P, run: JobRun, job: JobRow): Promise<unknown>;
}

export function defineRunner<P>(runner: Runner<P>): Runner<P> {
  return runner;
}
