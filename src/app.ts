import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import type { Config } from './config';
import { createLogger, type Logger } from './logger';
import { graphSchema } from './graph/schema';
import type { AppDeps } from './graph/services';
import { LoginThrottle } from './graph/session/login-throttle';
import { bootstrapAdmin, type BootstrapResult } from './graph/user/bootstrap';
import { MemoryPubSub } from './pubsub/memory';
import type { PubSub } from './pubsub/pubsub';
import { RedisPubSub } from './pubsub/redis';
import { PasswordHasher } from './security/passwords';
import { resolveSecretKey, SecretBox } from './security/secret-box';
import { CloudRegistry } from './clouds/registry';
import { startEmbeddedClouds, type EmbeddedClouds } from './simulators/embedded';
import { openStore, type Store } from './store/db';
import { RowCache } from './store/row-cache';
import { UserStore } from './store/users';
import { createApollo } from './server/apollo';
import { createHttpHandler, GRAPHQL_PATH } from './server/http';
import { Metrics, upstreamObserver } from './server/metrics';
import { attachWebSocket } from './server/ws';
import { BullQueue } from './jobs/bull-queue';
import { JobEngine } from './jobs/engine';
import type { JobQueue } from './jobs/queue';
import { RUNNERS } from './jobs/runners';
import { TableQueue } from './jobs/table-queue';

/** How often the table queue looks for jobs written by other processes, retries come due and abandoned jobs. */
const TABLE_POLL_MS = 1000;

export interface BuildOptions {
  /** An already open store (tests share one per file); the app does not close it. */
  store?: Store;
  logger?: Logger;
  /** `worker`: runs jobs only, with no HTTP server (npm run worker). Default: the gateway (and a worker unless JOB_WORKER=false). */
  role?: 'gateway' | 'worker';
}

export interface App {
  /** Opens the database, applies migrations, connects Redis, listens. */
  start(): Promise<{ url: string; admin: BootstrapResult; simulators: { openstack: string; cloudstack: string } | null }>;
  /** Stops accepting, lets in-flight requests finish (up to SHUTDOWN_TIMEOUT_MS), closes everything. */
  stop(): Promise<void>;
  /** The GraphQL URL once started (HTTP; the same path serves WebSocket). */
  readonly url: string;
  /** Everything the app holds, once started (tests and tools). */
  readonly deps: AppDeps;
}

export function buildApp(config: Config, options: BuildOptions = {}): App {
  const log = options.logger ?? createLogger(config.logLevel);
  const role = options.role ?? 'gateway';
  let deps: AppDeps | undefined;
  let url = '';
  const closers: (() => Promise<void>)[] = [];

  async function start() {
    const metrics = new Metrics();
    const store = options.store ?? (await openStore(config.database));
    if (!options.store) closers.unshift(() => store.close());

    let redis: Redis | null = null;
    if (config.redis) {
      const client = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
      client.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        throw new Error(`REDIS_URL: cannot connect (${(err as Error).message})`);
      }
      redis = client;
      closers.unshift(async () => {
        client.disconnect();
      });
    }
    const pubsub: PubSub = redis ? new RedisPubSub(redis, config.redis!.prefix, log) : new MemoryPubSub();
    closers.unshift(() => pubsub.close());
    const rows = new RowCache({ ttlMs: config.storeCacheMs, pubsub, log });
    await rows.start();
    closers.unshift(() => rows.close());

    let engine: JobEngine | null = null;
    const queue: JobQueue = config.redis
      ? new BullQueue(config.redis.url, config.redis.prefix, log, config.jobs.leaseSeconds * 1000)
      : new TableQueue((limit, skip) => (engine ? engine.runnable(limit, skip) : Promise.resolve([])), TABLE_POLL_MS, (err) =>
          log.warn({ err }, 'job queue poll failed'),
        );
    let queueClosed: Promise<void> | null = null;
    const closeQueue = () => (queueClosed ??= queue.close());
    closers.unshift(closeQueue);

    const secretDir = config.database.kind === 'pglite' && config.database.dataDir ? config.dataDir : null;
    deps = {
      config,
      db: store.db,
      log,
      secrets: new SecretBox(resolveSecretKey(config.secretKey, secretDir)),
      hasher: new PasswordHasher({ logN: config.passwords.scryptLogN }),
      loginThrottle: new LoginThrottle({
        ...config.loginThrottle,
        redis: redis ? { client: redis, prefix: config.redis!.prefix } : null,
      }),
      pubsub,
      redis,
      userStore: new UserStore(store.db),
      clouds: new CloudRegistry({ log, observer: upstreamObserver(metrics), upstream: config.upstream }),
      queue,
      rows,
    };
    const admin = await bootstrapAdmin(deps);
    let clouds: EmbeddedClouds | null = null;
    if (config.simulators.enabled) {
      clouds = await startEmbeddedClouds(deps, config.simulators);
      closers.unshift(() => clouds!.close());
    }

    if (role === 'worker' || config.jobs.worker) {
      const jobs = new JobEngine(deps, RUNNERS);
      engine = jobs;
      // Before the queue closes: jobs under way are handed on, not cut off.
      closers.unshift(async () => {
        await jobs.stop();
        await closeQueue();
      });
      await jobs.start();
    }
    if (role === 'worker') return { url: '', admin, simulators: clouds ? { openstack: clouds.openstackUrl, cloudstack: clouds.cloudstackUrl } : null };

    const schema = graphSchema();
    const apollo = createApollo({ schema, log, metrics, exposeUnexpected: config.env === 'development', limits: config.limits, development: config.env === 'development', executor: config.executor });
    await apollo.start();
    closers.unshift(() => apollo.stop());

    const handler = createHttpHandler({
      deps,
      apollo,
      metrics,
      dbPing: store.ping,
      redisPing: redis ? async () => void (await redis!.ping()) : null,
    });
    const server = http.createServer((req, res) => void handler(req, res));
    const ws = attachWebSocket(server, schema, deps);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.http.port, config.http.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    closers.unshift(async () => {
      await ws.close();
      await closeHttp(server, config.http.shutdownTimeoutMs);
    });
    const { port } = server.address() as AddressInfo;
    const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host;
    url = `http://${host}:${port}${GRAPHQL_PATH}`;
    return { url, admin, simulators: clouds ? { openstack: clouds.openstackUrl, cloudstack: clouds.cloudstackUrl } : null };
  }

  async function stop() {
    // Each closer runs even if an earlier one failed; the first failure is reported.
    let failure: unknown;
    for (const close of closers.splice(0)) {
      await close().catch((err: unknown) => {
        failure ??= err;
      });
    }
    if (failure) throw failure;
  }

  return {
    start,
    stop,
    get url() {
      return url;
    },
    get deps() {
      if (!deps) throw new Error('the app is not started');
      return deps;
    },
  };
}

/** Stops accepting connections, waits for in-flight requests, then cuts whatever is left. */
async function closeHttp(server: http.Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive connection goes idle when its last response is sent: close it then, not at
  // the keep-alive timeout.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(timer);
}
