import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import { MIGRATIONS_DIR, openStore, type Store } from '../../src/store/db';
import * as schema from '../../src/store/schema';

/**
 * One database per test file, in the mode of the run: Postgres when DATABASE_URL is set (a
 * fresh database made for the file and dropped after it), else an in-memory PGlite restored
 * from a migrated snapshot (creating and migrating one costs seconds; restoring, about one).
 */
export interface TestStore extends Store {
  /** Empties every table (between tests). */
  reset(): Promise<void>;
  /** The connection string of the file's database in Postgres mode, else null. */
  url: string | null;
}

const TABLES = [
  'audit_log',
  'idempotency_keys',
  'job_events',
  'work_order_items',
  'work_orders',
  'jobs',
  'persisted_queries',
  'api_keys',
  'sessions',
  'tenancies',
  'catalog_images',
  'datacenters',
  'users',
];

export async function openTestStore(): Promise<TestStore> {
  const base = process.env.DATABASE_URL;
  const store = base ? await freshPostgres(base) : await pgliteFromSnapshot();
  return {
    ...store,
    async reset() {
      await store.db.execute(sql.raw(`truncate ${TABLES.join(', ')} restart identity cascade`));
    },
  };
}

/** A fresh Postgres database of its own (dropped on close), whatever the run's mode: for tests of several processes. */
export async function openPostgresStore(base: string): Promise<Store & { url: string }> {
  return freshPostgres(base);
}

async function freshPostgres(base: string): Promise<Store & { url: string }> {
  const name = `ecsgraph_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const store = await openStore({ kind: 'postgres', url: url.toString(), poolSize: 5 });
  return {
    ...store,
    url: url.toString(),
    async close() {
      await store.close();
      const dropper = postgres(base, { max: 1, onnotice: () => undefined });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

async function pgliteFromSnapshot(): Promise<Store & { url: null }> {
  const snapshot = await migratedSnapshot();
  const client = await PGlite.create({ loadDataDir: new Blob([snapshot]) });
  const db = drizzlePglite(client, { schema });
  return {
    db: db as unknown as Store['db'],
    kind: 'pglite',
    url: null,
    ping: async () => void (await client.query('select 1')),
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

/** A data-dir dump of a migrated PGlite, cached on disk by the migrations' content. */
async function migratedSnapshot(): Promise<Buffer> {
  const hash = crypto.createHash('sha256');
  for (const file of listFiles(MIGRATIONS_DIR)) hash.update(file).update(fs.readFileSync(file));
  const file = path.join(os.tmpdir(), `ecsgraph-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
  if (fs.existsSync(file)) return fs.readFileSync(file);
  const store = await openStore({ kind: 'pglite', dataDir: null });
  const client = (store.db as unknown as { $client: PGlite }).$client;
  const dump = Buffer.from(await (await client.dumpDataDir('none')).arrayBuffer());
  await store.close();
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, dump);
  fs.renameSync(temp, file);
  return dump;
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}
