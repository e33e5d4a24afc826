import { getTableColumns, sql, type SQL, type Table } from 'drizzle-orm';
import type { Db } from './db';

/** Statements kept by database and name. */
const statements = new WeakMap<Db, Map<string, unknown>>();

/**
 * A statement that a hot path runs again and again, built by drizzle once per database and
 * kept (drizzle's prepared queries, with `sql.placeholder` for what varies): building a query
 * costs the process more CPU than PostgreSQL needs to run a short one.
 */
export function prepared<T>(db: Db, name: string, build: (db: Db) => T): T {
  let own = statements.get(db);
  if (!own) statements.set(db, (own = new Map()));
  let statement = own.get(name) as T | undefined;
  if (!statement) own.set(name, (statement = build(db)));
  return statement;
}

/**
 * A value of a prepared statement given when it runs under `name`, where no column's encoding
 * applies to it (in SQL of the statement's own): a time goes as ISO-8601 text, since the
 * drivers do not all take a Date there.
 */
export const value = (name: string) => sql`${sql.placeholder(name)}`;

/** Placeholders for `columns` of an insert's values, each named as its column (given by `encoded`). */
export function placeholders<K extends string>(columns: readonly K[]): Record<K, SQL> {
  return Object.fromEntries(columns.map((column) => [column, value(column)])) as Record<K, SQL>;
}

/**
 * Values of `table`'s columns for `placeholders`, as drizzle writes them (a JSON column's
 * text, a time's ISO-8601 text), null as SQL's null.
 */
export function encoded<T extends Table>(table: T, values: Record<string, unknown>): Record<string, unknown> {
  const columns = getTableColumns(table);
  return Object.fromEntries(
    Object.entries(values).map(([key, v]) => {
      const column = columns[key];
      if (!column) throw new Error(`no column ${key} in the table`);
      return [key, v === null || v === undefined ? null : column.mapToDriverValue(v)];
    }),
  );
}
