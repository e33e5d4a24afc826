import { and, count, desc, eq, gt, ilike, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import type { RowCache } from './row-cache';
import { sessions, users, type UserRow } from './schema';

/** The key of a user's row among the rows a process keeps (`RowCache`): the viewer's own. */
export const userRowKey = (id: string) => `user:${id}`;

/** After a write of users' rows: every process reads them again (their kept copies are dropped). */
export function usersChanged(rows: RowCache, ...ids: string[]): Promise<void> {
  return rows.forget(...ids.map(userRowKey));
}

/** Queries on users shared by the graph, the importer and start-up. Deleted users are excluded unless asked. */
export class UserStore {
  constructor(private readonly db: Db) {}

  async byId(id: string, includeDeleted = false): Promise<UserRow | null> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users.id, id), includeDeleted ? undefined : isNull(users.deletedAt)));
    return row ?? null;
  }

  async byIds(ids: readonly string[]): Promise<UserRow[]> {
    if (ids.length === 0) return [];
    return this.db.select().from(users).where(inArray(users.id, [...ids]));
  }

  /** A live user whose username or e-mail is `login`, case-insensitively. */
  async byLogin(login: string): Promise<UserRow | null> {
    const value = login.trim().toLowerCase();
    const [row] = await this.db
      .select()
      .from(users)
      .where(
        and(
          isNull(users.deletedAt),
          or(sql`lower(${users.username}) = ${value}`, sql`lower(${users.email}) = ${value}`),
        ),
      )
      .orderBy(sql`lower(${users.username}) = ${value} desc`)
      .limit(1);
    return row ?? null;
  }

  async byExternalId(field: 'ctUserId' | 'ctAccountId', value: string): Promise<UserRow | null> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users[field], value), isNull(users.deletedAt)));
    return row ?? null;
  }

  /** Live users holding any of these unique values, for friendly duplicate errors. */
  async clashes(
    values: { username?: string; email?: string | null; ctUserId?: string | null; ctAccountId?: string | null },
    exceptId?: string,
  ): Promise<Set<'username' | 'email' | 'ctUserId' | 'ctAccountId'>> {
    const checks: SQL[] = [];
    if (values.username) checks.push(sql`lower(${users.username}) = ${values.username.toLowerCase()}`);
    if (values.email) checks.push(sql`lower(${users.email}) = ${values.email.toLowerCase()}`);
    if (values.ctUserId) checks.push(eq(users.ctUserId, values.ctUserId));
    if (values.ctAccountId) checks.push(eq(users.ctAccountId, values.ctAccountId));
    const found = new Set<'username' | 'email' | 'ctUserId' | 'ctAccountId'>();
    if (checks.length === 0) return found;
    const rows = await this.db
      .select()
      .from(users)
      .where(and(isNull(users.deletedAt), or(...checks), exceptId ? sql`${users.id} <> ${exceptId}` : undefined));
    for (const row of rows) {
      if (values.username && row.username.toLowerCase() === values.username.toLowerCase()) found.add('username');
      if (values.email && row.email?.toLowerCase() === values.email.toLowerCase()) found.add('email');
      if (values.ctUserId && row.ctUserId === values.ctUserId) found.add('ctUserId');
      if (values.ctAccountId && row.ctAccountId === values.ctAccountId) found.add('ctAccountId');
    }
    return found;
  }

  /**
   * One page, newest first, keyset-paginated on (created_at, id). `search` matches username,
   * e-mail and the portal ids anywhere, case-insensitively.
   */
  async page(options: {
    search?: string | null;
    role?: 'ADMIN' | 'USER' | null;
    active?: boolean | null;
    includeDeleted?: boolean;
    after?: { createdAt: Date; id: string } | null;
    limit: number;
  }): Promise<{ rows: UserRow[]; total: number }> {
    const filters: (SQL | undefined)[] = [options.includeDeleted ? undefined : isNull(users.deletedAt)];
    if (options.search) {
      const pattern = `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      filters.push(
        or(
          ilike(users.username, pattern),
          ilike(users.email, pattern),
          ilike(users.ctUserId, pattern),
          ilike(users.ctAccountId, pattern),
          ilike(users.loginName, pattern),
        ),
      );
    }
    if (options.role) filters.push(eq(users.role, options.role));
    if (options.active !== null && options.active !== undefined) {
      filters.push(options.active ? and(eq(users.active, true), isNull(users.deletedAt)) : or(eq(users.active, false), sql`${users.deletedAt} is not null`));
    }
    const where = and(...filters);
    const cursor = options.after
      ? or(
          lt(users.createdAt, options.after.createdAt),
          and(eq(users.createdAt, options.after.createdAt), lt(users.id, options.after.id)),
        )
      : undefined;
    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select()
        .from(users)
        .where(and(where, cursor))
        .orderBy(desc(users.createdAt), desc(users.id))
        .limit(options.limit + 1),
      this.db.select({ total: count() }).from(users).where(where),
    ]);
    return { rows, total };
  }

  /** Users with a live session used since `since`. */
  async activeSince(since: Date): Promise<UserRow[]> {
    const live = this.db
      .selectDistinct({ userId: sessions.userId })
      .from(sessions)
      .where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`), gt(sessions.lastSeenAt, since)));
    return this.db
      .select()
      .from(users)
      .where(and(isNull(users.deletedAt), eq(users.active, true), inArray(users.id, live)))
      .orderBy(users.username);
  }

  async countAdmins(): Promise<number> {
    const [{ n }] = await this.db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, 'ADMIN'), eq(users.active, true), isNull(users.deletedAt)));
    return n;
  }
}
