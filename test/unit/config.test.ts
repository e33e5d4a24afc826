import path from 'node:path';
import { ConfigError, decodeKey, loadConfig } from '../../src/config';

const HEX_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const PG_URL = 'postgres://ecs:pw@db.internal:5432/ecsgraph';

/** The ConfigError thrown by loadConfig, failing the test when it does not throw one. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, { inMemory: true });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** Names of the variables a ConfigError complains about, from its `NAME: message` issues. */
const named = (error: ConfigError) => error.issues.map((issue) => issue.split(':')[0]);

describe('loadConfig defaults', () => {
  const config = loadConfig({}, {});

  it('listens on 0.0.0.0:4000', () => {
    expect(config.http.port).toBe(4000);
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.http.trustProxy).toBe(false);
  });

  it('resolves DATA_DIR to an absolute ./.data', () => {
    expect(config.dataDir).toBe(path.resolve('./.data'));
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('runs embedded PGlite under DATA_DIR without DATABASE_URL', () => {
    expect(config.embedded).toBe(true);
    expect(config.database).toEqual({ kind: 'pglite', dataDir: path.join(path.resolve('./.data'), 'pglite') });
    expect(config.secretKey).toBeNull();
  });

  it('keeps PGlite in memory when asked (tests)', () => {
    expect(loadConfig({}, { inMemory: true }).database).toEqual({ kind: 'pglite', dataDir: null });
  });

  it('has no Redis and no bootstrap admin', () => {
    expect(config.redis).toBeNull();
    expect(config.admin).toBeNull();
  });

  it('uses the documented numeric defaults', () => {
    expect(config.passwords.scryptLogN).toBe(17);
    expect(config.sessions).toEqual({ ttlSeconds: 43_200, activeWindowSeconds: 900, cacheMs: 2000 });
    expect(config.loginThrottle).toEqual({ perLogin: 5, perAddress: 30, windowSeconds: 900 });
    expect(config.http.maxBodyBytes).toBe(2 * 1024 * 1024);
    expect(config.logLevel).toBe('info');
  });
});

describe('loadConfig with values', () => {
  it('uses Postgres when DATABASE_URL is set, with the decoded SECRET_KEY', () => {
    const config = loadConfig({ DATABASE_URL: PG_URL, SECRET_KEY: HEX_KEY, DATABASE_POOL_SIZE: '25' });
    expect(config.embedded).toBe(false);
    expect(config.database).toEqual({ kind: 'postgres', url: PG_URL, poolSize: 25 });
    expect(config.secretKey).toEqual(Buffer.from(HEX_KEY, 'hex'));
  });

  it('accepts the postgresql: scheme too', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://h/db', SECRET_KEY: HEX_KEY }).database.kind).toBe('postgres');
  });

  it('uses Redis when REDIS_URL is set', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379' }).redis).toEqual({ url: 'redis://cache:6379', prefix: 'ecsgraph:' });
    expect(loadConfig({ REDIS_URL: 'rediss://cache:6380', REDIS_PREFIX: 'x:' }).redis).toEqual({ url: 'rediss://cache:6380', prefix: 'x:' });
  });

  it('parses numbers and booleans from strings', () => {
    const config = loadConfig({ PORT: '8080', TRUST_PROXY: 'yes', WS_ALLOW_OPERATIONS: '1', LOG_LEVEL: 'debug' });
    expect(config.http.port).toBe(8080);
    expect(config.http.trustProxy).toBe(true);
    expect(config.ws.allowOperations).toBe(true);
    expect(config.logLevel).toBe('debug');
    expect(loadConfig({ TRUST_PROXY: 'no' }).http.trustProxy).toBe(false);
  });

  it('accepts PORT 0 (pick a free port) and 65535', () => {
    expect(loadConfig({ PORT: '0' }).http.port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).http.port).toBe(65535);
  });

  it('creates the admin from ADMIN_LOGIN and ADMIN_PASSWORD together', () => {
    expect(loadConfig({ ADMIN_LOGIN: 'root', ADMIN_PASSWORD: 'long-enough' }).admin).toEqual({ login: 'root', password: 'long-enough' });
  });
});

describe('loadConfig rejects bad values, naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://x'],
    ['TRUST_PROXY', 'maybe'],
    ['WS_ALLOW_OPERATIONS', 'on'],
    ['LOG_LEVEL', 'loud'],
    ['SECRET_KEY', 'short'],
    ['NODE_ENV', 'staging'],
    ['DATABASE_POOL_SIZE', '0'],
    ['PASSWORD_SCRYPT_LOG_N', '9'],
    ['ADMIN_PASSWORD', 'short'],
  ])('%s=%s', (name, value) => {
    // SECRET_KEY is set so that the DATABASE_URL cases fail on the URL alone.
    const env: Record<string, string> = name === 'SECRET_KEY' ? { [name]: value } : { SECRET_KEY: HEX_KEY, [name]: value };
    if (name === 'ADMIN_PASSWORD') env.ADMIN_LOGIN = 'root';
    const error = configError(env);
    expect(named(error)).toEqual([name]);
    expect(error.message).toContain(name);
  });

  it('reports every bad variable at once', () => {
    expect(named(configError({ PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' })).sort()).toEqual(['LOG_LEVEL', 'PORT', 'REDIS_URL']);
  });

  it('requires SECRET_KEY with DATABASE_URL', () => {
    expect(named(configError({ DATABASE_URL: PG_URL }))).toEqual(['SECRET_KEY']);
  });

  it('refuses ADMIN_LOGIN without ADMIN_PASSWORD and the reverse', () => {
    expect(named(configError({ ADMIN_LOGIN: 'root' }))).toEqual(['ADMIN_PASSWORD']);
    expect(named(configError({ ADMIN_PASSWORD: 'long-enough' }))).toEqual(['ADMIN_LOGIN']);
  });
});

describe('empty strings count as unset', () => {
  it('falls back to defaults', () => {
    const config = loadConfig({ PORT: '', LOG_LEVEL: '', TRUST_PROXY: '', DATA_DIR: '' });
    expect(config.http.port).toBe(4000);
    expect(config.logLevel).toBe('info');
    expect(config.http.trustProxy).toBe(false);
    expect(config.dataDir).toBe(path.resolve('./.data'));
  });

  it('an empty DATABASE_URL or REDIS_URL means embedded', () => {
    const config = loadConfig({ DATABASE_URL: '', REDIS_URL: '' });
    expect(config.database.kind).toBe('pglite');
    expect(config.redis).toBeNull();
  });

  it('an empty SECRET_KEY is missing, not invalid', () => {
    expect(named(configError({ DATABASE_URL: PG_URL, SECRET_KEY: '' }))).toEqual(['SECRET_KEY']);
    expect(configError({ DATABASE_URL: PG_URL, SECRET_KEY: '' }).message).toMatch(/required/);
  });

  it('an empty ADMIN_PASSWORD leaves ADMIN_LOGIN alone', () => {
    expect(named(configError({ ADMIN_LOGIN: 'root', ADMIN_PASSWORD: '' }))).toEqual(['ADMIN_PASSWORD']);
  });
});

describe('decodeKey', () => {
  const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff));

  it('accepts 64 hex characters, in either case', () => {
    expect(decodeKey(bytes.toString('hex'))).toEqual(bytes);
    expect(decodeKey(bytes.toString('hex').toUpperCase())).toEqual(bytes);
  });

  it('accepts base64 and base64url of 32 bytes', () => {
    expect(decodeKey(bytes.toString('base64'))).toEqual(bytes);
    expect(decodeKey(bytes.toString('base64url'))).toEqual(bytes);
  });

  it.each([
    ['63 hex characters', 'a'.repeat(63)],
    ['65 hex characters', 'a'.repeat(65)],
    ['base64 of 31 bytes', Buffer.alloc(31, 7).toString('base64')],
    ['base64 of 33 bytes', Buffer.alloc(33, 7).toString('base64')],
    ['a short word', 'short'],
    ['the empty string', ''],
    ['base64 with a space inside', Buffer.alloc(32, 7).toString('base64').replace(/^(.{10})/, '$1 ')],
    ['64 non-hex characters that are not base64 either', 'g!'.repeat(32)],
  ])('rejects %s', (_label, value) => {
    expect(decodeKey(value)).toBeNull();
  });
});
