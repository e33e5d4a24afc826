import crypto from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { buildApp, type App } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { LoginThrottle } from '../../src/graph/session/login-throttle';
import { bootstrapAdmin } from '../../src/graph/user/bootstrap';
import type { Logger } from '../../src/logger';
import { openTestStore, type TestStore } from './store';

export const ADMIN_LOGIN = 'root';
export const ADMIN_PASSWORD = 'root-password-1';

/** Environment of a test gateway: quiet, on a free port, cheap hashes, in the run's mode. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    SIMULATORS: 'false',
    PASSWORD_SCRYPT_LOG_N: '10',
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: `ecsgraph-test:${crypto.randomBytes(4).toString('hex')}:`,
    // Tests poll job rows one request per job, several times a second, as one user
    // (jobs-processes: 50 jobs × 4 polls a second); no client does. Limit tests set their own.
    RATE_LIMIT_PER_USER: '100000',
    ...overrides,
  };
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  /** The raw body, for scans. */
  text: string;
  headers: Headers;
}

export interface TestGateway {
  app: App;
  url: string;
  config: Config;
  store: TestStore;
  /** The embedded simulators' base URLs (`SIMULATORS=true`), for `/_sim/stats` and `/_sim/faults`. */
  simulators: { openstack: string; cloudstack: string } | null;
  /**
   * Runs an operation over HTTP POST, as `token` when given. A mutation's job is waited for
   * (`Prefer: wait`) unless `async` is set: then it comes back QUEUED.
   */
  gql<T, V>(
    document: TypedDocumentNode<T, V> | string,
    variables?: V,
    options?: { token?: string | null; headers?: Record<string, string>; async?: boolean },
  ): Promise<GraphQLResponse<T>>;
  /** Signs in and returns the token. */
  login(login: string, password: string): Promise<string>;
  /** A token of the administrator created at start. */
  adminToken(): Promise<string>;
  /** Empties the database, recreates the administrator and forgets failed sign-ins (between tests). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a gateway on the file's store. Every body a test receives is collected in
 * `responses`, so a test can scan them all for secrets.
 */
export async function startGateway(
  store: TestStore,
  env: Record<string, string | undefined> = {},
  options: { logger?: Logger } = {},
): Promise<TestGateway> {
  const config = loadConfig(testEnv(env), { inMemory: true });
  const app = buildApp(config, { store, logger: options.logger });
  const { url, simulators } = await app.start();

  const gql: TestGateway['gql'] = async (document, variables, options = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.async ? {} : { prefer: 'wait=600' }), ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const query = typeof document === 'string' ? document : print(document);
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    responses.push(text);
    const body = JSON.parse(text) as { data?: never; errors?: never };
    return { status: res.status, data: body.data, errors: body.errors, text, headers: res.headers };
  };

  const login = async (name: string, password: string) => {
    const res = await gql<{ login: { token: string } }, { login: string; password: string }>(
      'mutation Login($login: String!, $password: String!) { login(login: $login, password: $password) { token } }',
      { login: name, password },
    );
    if (!res.data?.login) throw new Error(`login ${name} failed: ${res.text}`);
    return res.data.login.token;
  };

  let admin: string | null = null;
  return {
    app,
    url,
    config,
    store,
    simulators,
    gql,
    login,
    adminToken: async () => (admin ??= await login(ADMIN_LOGIN, ADMIN_PASSWORD)),
    reset: async () => {
      admin = null;
      await store.reset();
      await bootstrapAdmin(app.deps);
      app.deps.loginThrottle = new LoginThrottle({
        ...config.loginThrottle,
        redis: app.deps.redis ? { client: app.deps.redis, prefix: `${config.redis!.prefix}${crypto.randomUUID()}:` } : null,
      });
    },
    stop: () => app.stop(),
  };
}

/** Every response body received by any gateway of this test file. */
export const responses: string[] = [];

/** The error codes of a response, in order. */
export function codes(res: { errors?: { extensions?: Record<string, unknown> }[] }): unknown[] {
  return (res.errors ?? []).map((e) => e.extensions?.code);
}

/**
 * The usual set-up of a test file: one store and one gateway for the file, emptied before
 * each test, stopped after the last. The returned object stands for the gateway once
 * `beforeAll` has run.
 */
export function useGateway(env: Record<string, string | undefined> = {}, options: { logger?: Logger } = {}): TestGateway {
  let current: TestGateway | undefined;
  let store: TestStore | undefined;
  beforeAll(async () => {
    store = await openTestStore();
    current = await startGateway(store, env, options);
  });
  afterAll(async () => {
    await current?.stop();
    await store?.close();
  });
  beforeEach(() => current!.reset());
  return new Proxy({} as TestGateway, {
    get(_target, key) {
      if (!current) throw new Error('the gateway starts in beforeAll; use it inside tests and hooks');
      const value = current[key as keyof TestGateway];
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}
