import { testEnv } from './app';
import { startGateways, startRedis, type Child } from './processes';
import { serviceUrl } from './services';
import { openPostgresStore } from './store';

export interface GatewayProcesses {
  /** Each gateway's URL, once all listen. */
  urls: string[];
  /** The file's own database (Postgres), dropped after its last test. */
  store: Awaited<ReturnType<typeof openPostgresStore>>;
  /** The file's own redis-server, so that its keys may be listed or flushed. */
  redisUrl: string;
  /** The environment every gateway runs with: one database, one Redis, one key prefix. */
  env: Record<string, string | undefined>;
}

/**
 * `count` real gateway processes (dist/main.js) sharing a Postgres database and a Redis of the
 * file's own, started before its tests and stopped after them; `extra` is added to their
 * environment. For test files that need both services (they skip, or fail under CI, without).
 */
export function useGatewayProcesses(extra: Record<string, string | undefined> = {}, count = 2): GatewayProcesses {
  const children: Child[] = [];
  const fixture = { urls: [] } as unknown as GatewayProcesses;
  beforeAll(async () => {
    fixture.store = await openPostgresStore(serviceUrl('postgres')!);
    fixture.redisUrl = (await startRedis(children)).url;
    fixture.env = { ...testEnv({ DATABASE_URL: fixture.store.url, REDIS_URL: fixture.redisUrl, LOG_LEVEL: 'warn' }), ...extra };
    fixture.urls = await startGateways(fixture.env, children, count);
  }, 120_000);
  afterAll(async () => {
    for (const c of children.reverse()) await c.kill('SIGTERM');
    await fixture.store?.close();
  }, 60_000);
  return fixture;
}
