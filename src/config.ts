import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable ecsgraph reads, validated once at start.
 * `.env.example` and the README's configuration table list the same names and defaults.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `expected a URL with scheme ${protocols.map((p) => p.replace(':', '')).join(' or ')}` },
  );

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Port of the HTTP and WebSocket listener. 0 picks a free port. @default 4000 */
  PORT: int(0, 65535).default(4000),
  /** Address the listener binds to. @default 0.0.0.0 */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Folder for embedded state: the PGlite database and the generated secret key. @default ./.data */
  DATA_DIR: z.string().min(1).default('./.data'),
  /** Postgres connection string; unset = embedded PGlite under DATA_DIR. */
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Connections in the postgres.js pool. @default 10 */
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  /** Redis connection string; unset = in-process pubsub and rate limits. */
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** Prefix of every Redis key and channel. @default ecsgraph: */
  REDIS_PREFIX: z.string().min(1).default('ecsgraph:'),
  /** 32-byte key (64 hex chars or base64) encrypting credentials at rest. Required with DATABASE_URL. */
  SECRET_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== null, 'expected 32 bytes as 64 hex characters or base64')
    .optional(),
  /** Login of an administrator created at start if missing. */
  ADMIN_LOGIN: z.string().min(1).max(150).optional(),
  /** Its password (at least 8 characters). */
  ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
  /** scrypt cost of new password hashes, as log2 N (OWASP's minimum is 17). @default 17 */
  PASSWORD_SCRYPT_LOG_N: int(10, 20).default(17),
  /** Lifetime of a session token, in seconds. @default 43200 (12 h) */
  SESSION_TTL_SECONDS: int(60, 60 * 60 * 24 * 90).default(43_200),
  /**
   * How long a gateway reuses a session token it has looked up, in milliseconds, instead of a
   * database query per request; 0 = no reuse. A session ended on this gateway (logout, password
   * change, deactivation) stops at once; one ended elsewhere (another replica) within this time.
   * @default 2000
   */
  SESSION_CACHE_MS: int(0, 60_000).default(2000),
  /**
   * How long a process keeps datacenter rows and the image catalogue it has read, in
   * milliseconds, instead of queries per request; 0 = no keeping. A change made by any gateway
   * or worker is forgotten at once everywhere (over the pubsub); this bounds what a lost
   * pubsub message leaves stale.
   * @default 10000
   */
  STORE_CACHE_MS: int(0, 300_000).default(10_000),
  /** A user counts as active when its session was used within this many seconds. @default 900 */
  ACTIVE_USER_WINDOW_SECONDS: int(60, 60 * 60 * 24 * 30).default(900),
  /** Failed sign-ins allowed per login name within the window before RATE_LIMITED. @default 5 */
  LOGIN_MAX_FAILURES_PER_LOGIN: int(1, 10_000).default(5),
  /** Failed sign-ins allowed per client address within the window. @default 30 */
  LOGIN_MAX_FAILURES_PER_ADDRESS: int(1, 100_000).default(30),
  /** Window of the failed sign-in counters, in seconds. @default 900 */
  LOGIN_FAILURE_WINDOW_SECONDS: int(1, 86_400).default(900),
  /** Take the client address from X-Forwarded-For (behind a trusted load balancer). @default false */
  TRUST_PROXY: bool.default(false),
  /** Queries and mutations over WebSocket (subscriptions always are). @default false */
  WS_ALLOW_OPERATIONS: bool.default(false),
  /** Subscriptions running at once on one WebSocket connection; more get RATE_LIMITED. @default 20 */
  WS_MAX_SUBSCRIPTIONS: int(1, 10_000).default(20),
  /** Largest accepted HTTP request body, in bytes. @default 2097152 (2 MB, Apollo Router's default) */
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Time allowed to in-flight requests on shutdown, in milliseconds. @default 10000 */
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  /** Requests a signed-in user may make per minute, all its sessions together (HTTP operations and WebSocket subscribes); 0 = no limit. @default 600 */
  RATE_LIMIT_PER_USER: int(0, 10_000_000).default(600),
  /** Requests one API key may make per minute; 0 = no limit. @default 1200 */
  RATE_LIMIT_PER_API_KEY: int(0, 10_000_000).default(1200),
  /** Requests without credentials one client address may make per minute; 0 = no limit. @default 120 */
  RATE_LIMIT_ANONYMOUS: int(0, 10_000_000).default(120),
  /** Accept a JSON array of operations in one HTTP request. @default false */
  HTTP_BATCHING: bool.default(false),
  /** Most operations in one batched HTTP request (with HTTP_BATCHING). @default 10 */
  HTTP_BATCH_MAX: int(1, 1000).default(10),
  /** Longest a /graphql request over HTTP may take before 504 REQUEST_TIMEOUT, ms; a `Prefer: wait` ends before it. @default 30000 */
  REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  /** Start a simulated OpenStack and CloudStack and register them as datacenters. @default true in embedded mode, else false */
  SIMULATORS: bool.optional(),
  /** Speed of simulated transitions: 1 = real-ish seconds, 0 = instant. @default 1 */
  SIM_TIME_SCALE: z.coerce.number().min(0).max(100).default(1),
  /** Port of the simulated OpenStack (0 = any free port). @default 0 */
  SIM_OPENSTACK_PORT: int(0, 65535).default(0),
  /** Port of the simulated CloudStack (0 = any free port). @default 0 */
  SIM_CLOUDSTACK_PORT: int(0, 65535).default(0),
  /** Time one attempt of a cloud call may take, ms. @default 15000 */
  UPSTREAM_TIMEOUT_MS: int(100, 600_000).default(15_000),
  /** Attempts of a retryable cloud call, the first included. @default 3 */
  UPSTREAM_MAX_ATTEMPTS: int(1, 10).default(3),
  /** Consecutive failed calls that open a datacenter's circuit breaker. @default 5 */
  UPSTREAM_BREAKER_THRESHOLD: int(1, 1000).default(5),
  /** How long an open breaker refuses calls before trying one, ms. @default 10000 */
  UPSTREAM_BREAKER_HALF_OPEN_MS: int(100, 3_600_000).default(10_000),
  /** Longest a job may run, all its cloud waits included, s; past it the job fails instead of hanging. @default 600 */
  JOB_DEADLINE_SECONDS: int(1, 86_400).default(600),
  /** Whether this process runs jobs: `true` (npm start: gateway and worker in one), `false` (a gateway beside separate workers). @default true */
  JOB_WORKER: bool.default(true),
  /**
   * Jobs one worker process runs at once. Each mostly waits for its cloud (a build takes seconds
   * to minutes: a waiting job holds a timer, not a thread), so a worker holds many: at 200, two
   * workers left 100 of 500 concurrent creates queued behind a whole build. @default 500
   */
  JOB_CONCURRENCY: int(1, 1000).default(500),
  /** Tries of a job whose cloud failed transiently (unreachable, 429/502/503/504, timeout), with backoff between them. @default 5 */
  JOB_MAX_ATTEMPTS: int(1, 20).default(5),
  /** The first retry's delay, ms; each next one doubles, up to 60 s. @default 2000 */
  JOB_RETRY_BASE_MS: int(10, 600_000).default(2_000),
  /** How long a worker holds a job without renewing, s; a job whose holder died is taken over after it. @default 30 */
  JOB_LEASE_SECONDS: int(1, 3_600).default(30),
  /** How often lost queue entries and abandoned jobs are looked for, s. @default 20 */
  JOB_RECONCILE_SECONDS: int(1, 3_600).default(20),
  /** The longest a mutation waits for its job when the client asks with `Prefer: wait=N`, s. @default 120 */
  JOB_MAX_WAIT_SECONDS: int(0, 3_600).default(120),
  /** Deepest field nesting of an operation (graphql-armor counts a connection's `nodes` as a level). @default 14 */
  MAX_DEPTH: int(1, 100).default(14),
  /** Aliases in one operation. @default 15 */
  MAX_ALIASES: int(0, 1000).default(15),
  /** Directives in one operation. @default 50 */
  MAX_DIRECTIVES: int(0, 1000).default(50),
  /** Lexical tokens in one document; the parser stops past it. @default 1000 */
  MAX_TOKENS: int(10, 100_000).default(1000),
  /** Fields at the root of one operation. @default 20 */
  MAX_ROOT_FIELDS: int(1, 1000).default(20),
  /** Objects an operation's answer may hold at most (pages multiply: `first`, else 20; unpaged lists count 10). @default 500000 */
  MAX_COST: int(1, 1_000_000_000).default(500_000),
  /** Only administrators may send full documents; everyone else runs registered persisted operations (by id). @default false */
  PERSISTED_OPERATIONS_ONLY: bool.default(false),
  /** How long an Automatic Persisted Query stays registered (Redis with REDIS_URL, else the persisted_queries table), s. @default 86400 */
  APQ_TTL_SECONDS: int(60, 60 * 60 * 24 * 365).default(86_400),
  /**
   * What runs an operation once Apollo has parsed and validated it: `jit`, graphql-jit's
   * compiled operations (each compiled once per document), or `graphql-js`, its interpreter.
   * @default jit
   */
  GRAPHQL_EXECUTOR: z.enum(['jit', 'graphql-js']).default('jit'),
  /** pino level. @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.input<typeof envSchema>;

/** The names of every variable read, for the documentation checks. */
export const ENV_VARIABLES = Object.keys(envSchema.shape) as (keyof Env)[];

export interface Config {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number; maxBodyBytes: number; trustProxy: boolean; shutdownTimeoutMs: number };
  ws: { allowOperations: boolean; maxSubscriptions: number };
  /** `embedded` = PGlite + in-process pubsub defaults; also enables the first-admin bootstrap. */
  embedded: boolean;
  dataDir: string;
  database:
    | { kind: 'pglite'; dataDir: string | null }
    | { kind: 'postgres'; url: string; poolSize: number };
  redis: { url: string; prefix: string } | null;
  /** null = embedded: generated and kept under DATA_DIR (or in memory for tests). */
  secretKey: Buffer | null;
  admin: { login: string; password: string } | null;
  sessions: { ttlSeconds: number; activeWindowSeconds: number; cacheMs: number };
  /** STORE_CACHE_MS: how long datacenter, catalogue and tenancy rows are kept per process. */
  storeCacheMs: number;
  passwords: { scryptLogN: number };
  loginThrottle: { perLogin: number; perAddress: number; windowSeconds: number };
  /** Requests per minute (0 = no limit): a signed-in user, an API key, an anonymous client address. */
  rateLimits: { perUser: number; perApiKey: number; anonymous: number };
  /** /graphql over HTTP: batched requests (a JSON array body) and the request timeout. */
  graphqlHttp: { batching: boolean; batchMax: number; timeoutMs: number };
  /** Persisted operations: full documents for administrators only (`only`), and the lifetime of APQ entries. */
  persisted: { only: boolean; apqTtlSeconds: number };
  logLevel: string;
  /** GRAPHQL_EXECUTOR. */
  executor: 'jit' | 'graphql-js';
  simulators: { enabled: boolean; timeScale: number; openstackPort: number; cloudstackPort: number };
  limits: { maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxRootFields: number; maxCost: number };
  jobs: {
    deadlineSeconds: number;
    worker: boolean;
    concurrency: number;
    maxAttempts: number;
    retryBaseMs: number;
    leaseSeconds: number;
    reconcileSeconds: number;
    maxWaitSeconds: number;
  };
  upstream: { timeoutMs: number; maxAttempts: number; breakerThreshold: number; breakerHalfOpenAfterMs: number };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** 64 hex chars or base64 of exactly 32 bytes, else null. */
export function decodeKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const buf = Buffer.from(value, 'base64');
    if (buf.length === 32) return buf;
  }
  return null;
}

export interface LoadOptions {
  /** Keep the database in memory even without DATABASE_URL (tests). */
  inMemory?: boolean;
}

/** Parses the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, options: LoadOptions = {}): Config {
  // Empty strings count as unset, as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const issues: string[] = [];
  if (e.DATABASE_URL && !e.SECRET_KEY) {
    issues.push('SECRET_KEY: required when DATABASE_URL is set (64 hex characters or base64 of 32 bytes)');
  }
  if ((e.ADMIN_LOGIN === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    issues.push(`${e.ADMIN_LOGIN ? 'ADMIN_PASSWORD' : 'ADMIN_LOGIN'}: ADMIN_LOGIN and ADMIN_PASSWORD go together`);
  }
  if (issues.length) throw new ConfigError(issues);

  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      maxBodyBytes: e.MAX_BODY_BYTES,
      trustProxy: e.TRUST_PROXY,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    ws: { allowOperations: e.WS_ALLOW_OPERATIONS, maxSubscriptions: e.WS_MAX_SUBSCRIPTIONS },
    embedded: !e.DATABASE_URL,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'pglite', dataDir: options.inMemory ? null : path.join(dataDir, 'pglite') },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, prefix: e.REDIS_PREFIX } : null,
    secretKey: e.SECRET_KEY ? decodeKey(e.SECRET_KEY) : null,
    admin: e.ADMIN_LOGIN && e.ADMIN_PASSWORD ? { login: e.ADMIN_LOGIN, password: e.ADMIN_PASSWORD } : null,
    sessions: { ttlSeconds: e.SESSION_TTL_SECONDS, activeWindowSeconds: e.ACTIVE_USER_WINDOW_SECONDS, cacheMs: e.SESSION_CACHE_MS },
    storeCacheMs: e.STORE_CACHE_MS,
    passwords: { scryptLogN: e.PASSWORD_SCRYPT_LOG_N },
    loginThrottle: {
      perLogin: e.LOGIN_MAX_FAILURES_PER_LOGIN,
      perAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
    },
    rateLimits: { perUser: e.RATE_LIMIT_PER_USER, perApiKey: e.RATE_LIMIT_PER_API_KEY, anonymous: e.RATE_LIMIT_ANONYMOUS },
    graphqlHttp: { batching: e.HTTP_BATCHING, batchMax: e.HTTP_BATCH_MAX, timeoutMs: e.REQUEST_TIMEOUT_MS },
    persisted: { only: e.PERSISTED_OPERATIONS_ONLY, apqTtlSeconds: e.APQ_TTL_SECONDS },
    logLevel: e.LOG_LEVEL,
    executor: e.GRAPHQL_EXECUTOR,
    simulators: {
      enabled: e.SIMULATORS ?? !e.DATABASE_URL,
      timeScale: e.SIM_TIME_SCALE,
      openstackPort: e.SIM_OPENSTACK_PORT,
      cloudstackPort: e.SIM_CLOUDSTACK_PORT,
    },
    limits: {
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxDirectives: e.MAX_DIRECTIVES,
      maxTokens: e.MAX_TOKENS,
      maxRootFields: e.MAX_ROOT_FIELDS,
      maxCost: e.MAX_COST,
    },
    jobs: {
      deadlineSeconds: e.JOB_DEADLINE_SECONDS,
      worker: e.JOB_WORKER,
      concurrency: e.JOB_CONCURRENCY,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      retryBaseMs: e.JOB_RETRY_BASE_MS,
      leaseSeconds: e.JOB_LEASE_SECONDS,
      reconcileSeconds: e.JOB_RECONCILE_SECONDS,
      maxWaitSeconds: e.JOB_MAX_WAIT_SECONDS,
    },
    upstream: {
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      maxAttempts: e.UPSTREAM_MAX_ATTEMPTS,
      breakerThreshold: e.UPSTREAM_BREAKER_THRESHOLD,
      breakerHalfOpenAfterMs: e.UPSTREAM_BREAKER_HALF_OPEN_MS,
    },
  };
}
