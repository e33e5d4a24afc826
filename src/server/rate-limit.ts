import type Redis from 'ioredis';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { ErrorCode } from '../errors';
import type { Viewer } from '../graph/context';
import type { AppDeps } from '../graph/services';

/** The budgets are per minute: a fixed one-minute window that starts with a caller's first request. */
export const RATE_LIMIT_WINDOW_SECONDS = 60;

/** Whose budget a request spends: its user's (a session), its API key's, or its client address's (anonymous). */
export type Budget = 'user' | 'apiKey' | 'anonymous';

export interface RateLimitOptions {
  limits: Config['rateLimits'];
  /** Counters shared by every gateway on this Redis (under `prefix`); in-process when absent. */
  redis?: { client: Redis; prefix: string } | null;
}

/** A request refused for its caller's budget. */
export interface RateLimitRefusal {
  budget: Budget;
  /** Requests per minute the budget allows. */
  limit: number;
  /** The setting of that budget (RATE_LIMIT_PER_USER, …). */
  setting: string;
  /** Requests counted in the window so far, this one included. */
  counted: number;
  /** Whole seconds until the window ends (at least 1): the `Retry-After` header and `extensions.retryAfter`. */
  retryAfter: number;
  message: string;
}

const WHO: Record<Budget, string> = { user: 'this user', apiKey: 'this API key', anonymous: 'this client address without credentials' };
const SETTING: Record<Budget, string> = { user: 'RATE_LIMIT_PER_USER', apiKey: 'RATE_LIMIT_PER_API_KEY', anonymous: 'RATE_LIMIT_ANONYMOUS' };

/**
 * Counts requests per signed-in user, per API key and per anonymous client address, each
 * within its own per-minute budget. With Redis the counters are shared by every gateway
 * replica (RateLimiterRedis, under REDIS_PREFIX); should Redis stop answering, each
 * replica goes on counting in-process instead of refusing or letting everything through.
 */
export class RequestLimiter {
  private readonly limiters: Record<Budget, { limiter: RateLimiterAbstract; limit: number } | null>;

  constructor(options: RateLimitOptions) {
    const make = (points: number, keyPrefix: string) => {
      if (points <= 0) return null;
      const duration = RATE_LIMIT_WINDOW_SECONDS;
      const limiter: RateLimiterAbstract = options.redis
        ? new RateLimiterRedis({
            storeClient: options.redis.client,
            keyPrefix: `${options.redis.prefix}${keyPrefix}`,
            points,
            duration,
            rejectIfRedisNotReady: true,
            insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
          })
        : new RateLimiterMemory({ keyPrefix, points, duration });
      return { limiter, limit: points };
    };
    this.limiters = {
      user: make(options.limits.perUser, 'rate-user'),
      apiKey: make(options.limits.perApiKey, 'rate-api-key'),
      anonymous: make(options.limits.anonymous, 'rate-anonymous'),
    };
  }

  /**
   * Spends `count` requests (a batch spends one per operation) of the caller's budget: null
   * when they fit, else the refusal. Refused requests are counted too, so hammering a closed
   * budget does not reopen it sooner; the window still ends when it began plus a minute.
   */
  async consume(viewer: Viewer | null, ip: string | null, count = 1): Promise<RateLimitRefusal | null> {
    const budget = budgetOf(viewer);
    const entry = this.limiters[budget];
    if (!entry) return null;
    const key = budget === 'apiKey' ? viewer!.apiKeyId! : budget === 'user' ? viewer!.userId : (ip ?? 'unknown');
    try {
      await entry.limiter.consume(key, Math.max(1, count));
      return null;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      const message =
        count > entry.limit
          ? `A request of ${count} operations is more than the ${entry.limit} per minute allowed to ${WHO[budget]}; send fewer at once.`
          : `Too many requests: ${WHO[budget]} may make ${entry.limit} per minute; try again in ${retryAfter} s.`;
      return { budget, limit: entry.limit, setting: SETTING[budget], counted: err.consumedPoints, retryAfter, message };
    }
  }
}

/** An API key spends its own budget (not its user's); a session its user's, over all its sessions. */
function budgetOf(viewer: Viewer | null): Budget {
  if (!viewer) return 'anonymous';
  return viewer.apiKeyId ? 'apiKey' : 'user';
}

/** The refusal as a GraphQL error (WebSocket), with `extensions.code` RATE_LIMITED and `retryAfter`. */
export function rateLimitError(refusal: RateLimitRefusal): GraphQLError {
  return new GraphQLError(refusal.message, { extensions: rateLimitExtensions(refusal) });
}

/** The refusal as an HTTP answer: 429 with `Retry-After`, the body a GraphQL error. */
export function rateLimitResponse(refusal: RateLimitRefusal): { status: 429; headers: Record<string, string>; body: unknown } {
  return {
    status: 429,
    headers: { 'retry-after': String(refusal.retryAfter) },
    body: { errors: [{ message: refusal.message, extensions: rateLimitExtensions(refusal) }] },
  };
}

/** `limit` as the query limits name theirs (AppErrorDetails.limit): the setting, its bound, what was counted. */
function rateLimitExtensions(refusal: RateLimitRefusal) {
  return { code: ErrorCode.RATE_LIMITED, retryAfter: refusal.retryAfter, limit: { name: refusal.setting, max: refusal.limit, found: refusal.counted } };
}

const limiters = new WeakMap<AppDeps, RequestLimiter>();

/**
 * The limiter of an application: one per AppDeps, so that HTTP and WebSocket spend the same
 * in-process counters (with Redis they share them anyway, by key).
 */
export function requestLimiter(deps: AppDeps): RequestLimiter {
  let limiter = limiters.get(deps);
  if (!limiter) {
    limiter = new RequestLimiter({
      limits: deps.config.rateLimits,
      redis: deps.redis && deps.config.redis ? { client: deps.redis, prefix: deps.config.redis.prefix } : null,
    });
    limiters.set(deps, limiter);
  }
  return limiter;
}
