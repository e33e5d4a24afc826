import DataLoader from 'dataloader';
import { eq } from 'drizzle-orm';
import { AppError, badInput, ErrorCode, isUniqueViolation, notFound, parseInput } from '../../errors';
import { users, type UserRow } from '../../store/schema';
import { userRowKey, usersChanged } from '../../store/users';
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape } from '../connection';
import type { Viewer } from '../context';
import { localId } from '../node/global-id';
import type { AppDeps } from '../services';
import { forgetSessions, revokeUserSessions } from '../session/session.service';
import {
  createUserRule,
  updateUserRule,
  type CreateUserInput,
  type UpdateUserInput,
  type UpdateUserValues,
} from './user.input';
import { User } from './user.type';

type UniqueField = 'username' | 'email' | 'ctUserId' | 'ctAccountId';

const UNIQUE_CONSTRAINTS: Record<string, UniqueField> = {
  users_username_live: 'username',
  users_email_live: 'email',
  users_ct_user_id_live: 'ctUserId',
  users_ct_account_id_live: 'ctAccountId',
};

/** The row if the viewer may see it: a deleted user only by admins. */
function visible(viewer: Viewer, row: UserRow | null): UserRow {
  if (!row || (row.deletedAt && viewer.role !== 'ADMIN')) throw notFound('User');
  return row;
}

export interface UserListArgs {
  search?: string | null;
  role?: 'ADMIN' | 'USER' | null;
  active?: boolean | null;
  includeDeleted?: boolean | null;
  first?: number | null;
  after?: string | null;
}

export class UserService {
  constructor(private readonly deps: AppDeps) {}

  /**
   * A user the viewer may see: admins see everyone (deleted too), users only themselves. The
   * viewer's own row, which nearly every console query asks for, is kept by the process
   * (deps.rows, STORE_CACHE_MS) until a write of it (`usersChanged`, in every process).
   */
  get(viewer: Viewer, id: string): Promise<UserRow> {
    return this.read(viewer, id, true);
  }

  /** The row as it is now, for a change of it. */
  private current(viewer: Viewer, id: string): Promise<UserRow> {
    return this.read(viewer, id, false);
  }

  private async read(viewer: Viewer, id: string, mayKeep: boolean): Promise<UserRow> {
    const userId = localId(id, 'User');
    if (viewer.role !== 'ADMIN' && viewer.userId !== userId) throw notFound('User');
    const read = () => this.deps.userStore.byId(userId, true);
    const kept = mayKeep && userId === viewer.userId;
    return visible(viewer, kept ? await this.deps.rows.get(userRowKey(userId), read) : await read());
  }

  /** Batches the users asked for by one request's field resolvers into one query. */
  private readonly loader = new DataLoader<string, UserRow | null>(async (ids) => {
    const rows = await this.deps.userStore.byIds(ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /** The row behind an id already authorised by the caller (field resolvers). */
  byId(userId: string): Promise<UserRow | null> {
    return this.loader.load(userId);
  }

  /** Admin look-up by exactly one of: global id, portal user id, portal account id. */
  async find(args: { id?: string | null; ctUserId?: string | null; ctAccountId?: string | null }): Promise<UserRow | null> {
    const given = (['id', 'ctUserId', 'ctAccountId'] as const).filter((k) => args[k] !== null && args[k] !== undefined);
    if (given.length !== 1) throw badInput(given[1] ?? 'id', 'give exactly one of id, ctUserId, ctAccountId');
    if (args.id) {
      const row = await this.deps.userStore.byId(localId(args.id, 'User'), true);
      return row;
    }
    if (args.ctUserId) return this.deps.userStore.byExternalId('ctUserId', args.ctUserId);
    return this.deps.userStore.byExternalId('ctAccountId', args.ctAccountId!);
  }

  async list(args: UserListArgs): Promise<ConnectionShape<User>> {
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const search = args.search?.trim() || null;
    if (search && search.length > 100) throw badInput('search', 'at most 100 characters');
    const { rows, total } = await this.deps.userStore.page({
      search,
      role: args.role,
      active: args.active,
      includeDeleted: !!args.includeDeleted,
      after: cursor ? { createdAt: new Date(cursor[0] as string), id: String(cursor[1]) } : null,
      limit,
    });
    return toConnection(
      rows,
      limit,
      total,
      !!cursor,
      (r) => encodeCursor([r.createdAt.toISOString(), r.id]),
      User.fromRow,
    );
  }

  async activeUsers(): Promise<UserRow[]> {
    const since = new Date(Date.now() - this.deps.config.sessions.activeWindowSeconds * 1000);
    return this.deps.userStore.activeSince(since);
  }

  async create(input: CreateUserInput): Promise<UserRow> {
    const values = parseInput(createUserRule, input);
    await this.assertUnique(values);
    const passwordHash = await this.deps.hasher.hash(values.password);
    try {
      const [row] = await this.deps.db
        .insert(users)
        .values({
          username: values.username,
          passwordHash,
          email: values.email ?? null,
          mobile: values.mobile ?? null,
          ctUserId: values.ctUserId ?? null,
          ctAccountId: values.ctAccountId ?? null,
          role: values.role ?? 'USER',
          ...profileColumns(values.profile),
        })
        .returning();
      return row;
    } catch (err) {
      throw this.uniqueError(err);
    }
  }

  async update(viewer: Viewer, id: string, input: UpdateUserInput): Promise<UserRow> {
    const current = await this.current(viewer, id);
    if (current.deletedAt) throw new AppError(ErrorCode.CONFLICT, 'A deleted user cannot be changed.');
    const values = parseInput(updateUserRule, input);
    if (values.role === 'USER' && current.role === 'ADMIN') await this.assertNotLastAdmin(current, 'input.role');
    await this.assertUnique(values, current.id);
    try {
      const [row] = await this.deps.db
        .update(users)
        .set({ ...updateColumns(values), updatedAt: new Date() })
        .where(eq(users.id, current.id))
        .returning();
      // A viewer carries the user's role and name.
      forgetSessions();
      await usersChanged(this.deps.rows, row.id);
      return row;
    } catch (err) {
      throw this.uniqueError(err);
    }
  }

  /** Logical delete: the row stays, marked; the user's sessions end. */
  async delete(viewer: Viewer, id: string): Promise<UserRow> {
    const current = await this.current(viewer, id);
    if (current.deletedAt) return current;
    if (current.id === viewer.userId) throw badInput('id', 'you cannot delete yourself');
    if (current.role === 'ADMIN') await this.assertNotLastAdmin(current, 'id');
    const deleted = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ deletedAt: new Date(), active: false, updatedAt: new Date() })
        .where(eq(users.id, current.id))
        .returning();
      await revokeUserSessions(tx, current.id);
      return row;
    });
    // Again once committed: a look-up between the revocation and the commit still saw the session.
    forgetSessions();
    await usersChanged(this.deps.rows, deleted.id);
    return deleted;
  }

  /** Activates or deactivates; a deactivated user's sessions end at once. */
  async setActive(viewer: Viewer, id: string, active: boolean): Promise<UserRow> {
    const current = await this.current(viewer, id);
    if (current.deletedAt) throw new AppError(ErrorCode.CONFLICT, 'A deleted user cannot be activated.');
    if (!active && current.id === viewer.userId) throw badInput('active', 'you cannot deactivate yourself');
    if (!active && current.role === 'ADMIN') await this.assertNotLastAdmin(current, 'active');
    const changed = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ active, updatedAt: new Date() })
        .where(eq(users.id, current.id))
        .returning();
      if (!active) await revokeUserSessions(tx, current.id);
      return row;
    });
    // Again once committed: a look-up between the revocation and the commit still saw the session.
    forgetSessions();
    await usersChanged(this.deps.rows, changed.id);
    return changed;
  }

  private async assertUnique(values: Parameters<AppDeps['userStore']['clashes']>[0], exceptId?: string) {
    const clashes = await this.deps.userStore.clashes(values, exceptId);
    const field = (['username', 'email', 'ctUserId', 'ctAccountId'] as const).find((f) => clashes.has(f));
    if (field) throw badInput(`input.${field}`, 'is already used by another user');
  }

  private async assertNotLastAdmin(user: UserRow, field: string) {
    if (user.role === 'ADMIN' && user.active && (await this.deps.userStore.countAdmins()) <= 1) {
      throw badInput(field, 'this is the last active administrator');
    }
  }

  /** A unique index caught a race the pre-check missed: still name the field. */
  private uniqueError(err: unknown): unknown {
    for (const [constraint, field] of Object.entries(UNIQUE_CONSTRAINTS)) {
      if (isUniqueViolation(err, constraint)) return badInput(`input.${field}`, 'is already used by another user');
    }
    return err;
  }
}

type ProfileValues = NonNullable<UpdateUserValues['profile']>;

/** Profile input → columns; only keys present in the input are returned. */
export function profileColumns(profile: ProfileValues | null | undefined): Partial<UserRow> {
  if (!profile) return {};
  const { status, ...rest } = profile;
  const columns: Partial<UserRow> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (columns as Record<string, unknown>)[key] = value;
  }
  if (status !== undefined) columns.portalStatus = status;
  return columns;
}

function updateColumns(values: UpdateUserValues): Partial<UserRow> {
  const columns: Partial<UserRow> = {};
  if (values.username !== undefined) columns.username = values.username;
  for (const key of ['email', 'mobile', 'ctUserId', 'ctAccountId'] as const) {
    if (values[key] !== undefined) columns[key] = values[key] ?? null;
  }
  if (values.role) columns.role = values.role;
  return { ...columns, ...profileColumns(values.profile) };
}
