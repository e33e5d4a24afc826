import type { Config } from '../config';
import { ErrorCode } from '../errors';

/** What `RequestDeadline.race` gives once the deadline has passed. */
export const TIMED_OUT: unique symbol = Symbol('request timed out');

/**
 * The time a /graphql request may take (REQUEST_TIMEOUT_MS), from the end of its body on.
 * Each slow step (resolving the caller, rate limits, executing the operations) is raced
 * against it; past it the handler answers 504 itself and leaves the step to finish alone,
 * so that one answer only is ever written.
 */
export class RequestDeadline {
  private readonly at: number;

  constructor(
    readonly timeoutMs: number,
    /** Told of a step that failed after the deadline had already been answered. */
    private readonly onLateFailure: (err: unknown) => void,
  ) {
    this.at = Date.now() + timeoutMs;
  }

  async race<T>(promise: Promise<T>): Promise<T | typeof TIMED_OUT> {
    const left = this.at - Date.now();
    let lost = false;
    const guarded: Promise<T | typeof TIMED_OUT> = promise.catch((err: unknown): typeof TIMED_OUT => {
      if (lost) {
        this.onLateFailure(err);
        return TIMED_OUT;
      }
      throw err;
    });
    if (left <= 0) {
      lost = true;
      return TIMED_OUT;
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => {
        lost = true;
        resolve(TIMED_OUT);
      }, left);
    });
    try {
      return await Promise.race([guarded, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Room left at the end of a request for what follows a waited job (reading the resource,
 * writing the answer): a fifth of the timeout, at most 5 s.
 */
export function waitMarginMs(timeoutMs: number): number {
  return Math.min(5000, Math.ceil(timeoutMs / 5));
}

/**
 * The longest `Prefer: wait=N` a /graphql request gets, in whole seconds: JOB_MAX_WAIT_SECONDS,
 * but never so long that the request timeout, not the job, would end a waited mutation.
 * With the defaults (30 s, 120 s): 25 s.
 */
export function maxWaitSeconds(config: Pick<Config, 'jobs' | 'graphqlHttp'>): number {
  const timeoutMs = config.graphqlHttp.timeoutMs;
  return Math.max(0, Math.min(config.jobs.maxWaitSeconds, Math.floor((timeoutMs - waitMarginMs(timeoutMs)) / 1000)));
}

/** The 504 answer's body. */
export function timeoutBody(timeoutMs: number) {
  return {
    errors: [
      {
        message: `The request took longer than ${timeoutMs} ms and was abandoned. A mutation may still complete: follow its job (jobs), or retry with the same idempotencyKey.`,
        extensions: { code: ErrorCode.REQUEST_TIMEOUT, timeoutMs },
      },
    ],
  };
}
