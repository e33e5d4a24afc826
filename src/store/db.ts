import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import type { Config } from '../config';
import * as schema from './schema';

export type Schema = typeof schema;
/** The drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Store {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Where drizzle-kit writes migrations; the same files run on PGlite and on Postgres. */
/** drizzle/ at the project's root, found upwards from here (src/store, dist/store, or a benchmark build's copy). */
export const MIGRATIONS_DIR = migrationsDir(__dirname);

function migrationsDir(from: string): string {
  for (let dir = from, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'drizzle');
    if (fs.existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
  }
  return path.resolve(from, '..', '..', 'drizzle');
}

/** Opens the configured database and applies pending migrations. */
export async function openStore(database: Config['database']): Promise<Store> {
  return database.kind === 'postgres' ? openPostgres(database) : openPglite(database.dataDir);
}

async function openPglite(dataDir: string | null): Promise<Store> {
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

async function openPostgres(database: Extract<Config['database'], { kind: 'postgres' }>): Promise<Store> {
  const client = postgres(database.url, {
    max: database.poolSize,
    onnotice: () => undefined,
    connection: { application_name: 'ecsgraph' },
  });
  const db = drizzlePostgres(client, { schema });
  try {
    await migratePostgres(db, { migrationsFolder: MIGRATIONS_DIR });
  } catch (err) {
    await client.end({ timeout: 1 });
    throw err;
  }
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}
