import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { rateLimited } from '../../errors';

export interface LoginThrottleOptions {
  perLogin: number;
  perAddress: number;
  windowSeconds: number;
  /** Shared counters across gateway replicas; in-process when absent. */
  redis?: { client: Redis; prefix: string } | null;
}

/**
 * Counts failed sign-ins per login name and per client address. Past either limit every
 * attempt is refused with RATE_LIMITED until the window passes, whether or not the login
 * exists, so the answer tells an attacker nothing.
 */
export class LoginThrottle {
  private readonly byLogin: RateLimiterAbstract;
  private readonly byAddress: RateLimiterAbstract;

  constructor(options: LoginThrottleOptions) {
    const make = (points: number, keyPrefix: string): RateLimiterAbstract =>
      options.redis
        ? new RateLimiterRedis({
            storeClient: options.redis.client,
            keyPrefix: `${options.redis.prefix}${keyPrefix}`,
            points,
            duration: options.windowSeconds,
          })
        : new RateLimiterMemory({ keyPrefix, points, duration: options.windowSeconds });
    this.byLogin = make(options.perLogin, 'login-fail-login');
    this.byAddress = make(options.perAddress, 'login-fail-addr');
  }

  /** Throws RATE_LIMITED when either counter is exhausted. */
  async check(login: string, address: string | null): Promise<void> {
    const [a, b] = await Promise.all([
      this.byLogin.get(loginKey(login)),
      address ? this.byAddress.get(address) : Promise.resolve(null),
    ]);
    const blocked = [a, b].filter((r): r is RateLimiterRes => !!r && r.remainingPoints <= 0 && r.msBeforeNext > 0);
    if (blocked.length) throw rateLimited(Math.ceil(Math.max(...blocked.map((r) => r.msBeforeNext)) / 1000));
  }

  async recordFailure(login: string, address: string | null): Promise<void> {
    await Promise.all([
      this.byLogin.penalty(loginKey(login), 1),
      address ? this.byAddress.penalty(address, 1) : Promise.resolve(),
    ]);
  }

  /** A successful sign-in clears the login's counter (not the address's). */
  async recordSuccess(login: string): Promise<void> {
    await this.byLogin.delete(loginKey(login));
  }
}

function loginKey(login: string): string {
  return login.trim().toLowerCase();
}
