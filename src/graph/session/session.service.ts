import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { AppError, badInput, ErrorCode, unauthenticated } from '../../errors';
import { hashToken, newToken } from '../../security/tokens';
import { sessions, users, type UserRow } from '../../store/schema';
import type { Viewer } from '../context';
import type { AppDeps, RequestInfo } from '../services';
import { passwordRule } from '../user/user.input';

export const SESSION_TOKEN_PREFIX = 'ecs_s_';

/** How often a session's last-seen time is written, at most. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: UserRow;
}

export class SessionService {
  constructor(
    private readonly deps: AppDeps,
    private readonly request: RequestInfo,
  ) {}

  async login(login: string, password: string): Promise<LoginResult> {
    const { loginThrottle, hasher, userStore, db, config } = this.deps;
    if (!login.trim()) throw badInput('login', 'must not be empty');
    if (!password) throw badInput('password', 'must not be empty');
    await loginThrottle.check(login, this.request.ip);

    const user = await userStore.byLogin(login);
    // Unknown users cost a hash check too, so timing does not tell whether a login exists.
    const ok = await hasher.verify(password, user?.passwordHash ?? (await hasher.dummyHash()));
    if (!user || !ok) {
      await loginThrottle.recordFailure(login, this.request.ip);
      throw unauthenticated('Invalid login or password.');
    }
    if (!user.active) {
      throw new AppError(ErrorCode.FORBIDDEN, 'This account is deactivated.');
    }
    await loginThrottle.recordSuccess(login);

    const token = newToken(SESSION_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + config.sessions.ttlSeconds * 1000);
    const rehash = hasher.needsRehash(user.passwordHash) ? await hasher.hash(password) : null;
    const updated = await db.transaction(async (tx) => {
      await tx.insert(sessions).values({
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt,
        ip: this.request.ip,
        userAgent: this.request.userAgent?.slice(0, 512) ?? null,
      });
      const [row] = await tx
        .update(users)
        .set({ lastLoginAt: new Date(), ...(rehash ? { passwordHash: rehash } : {}) })
        .where(eq(users.id, user.id))
        .returning();
      return row;
    });
    return { token, expiresAt, user: updated };
  }

  /** Ends the caller's session. */
  async logout(viewer: Viewer): Promise<boolean> {
    if (!viewer.sessionId) throw badInput('session', 'only a session can sign out; API keys are revoked instead');
    await this.deps.db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessions.id, viewer.sessionId), isNull(sessions.revokedAt)));
    return true;
  }

  /** Changes the caller's password and ends every other session of the user. */
  async changePassword(viewer: Viewer, oldPassword: string, newPassword: string, confirmPassword: string): Promise<UserRow> {
    const { hasher, userStore, loginThrottle, db } = this.deps;
    const parsed = passwordRule.safeParse(newPassword);
    if (!parsed.success) throw badInput('newPassword', parsed.error.issues[0].message);
    if (confirmPassword !== newPassword) throw badInput('confirmPassword', 'does not match newPassword');

    const user = await userStore.byId(viewer.userId);
    if (!user) throw unauthenticated();
    await loginThrottle.check(user.username, this.request.ip);
    if (!(await hasher.verify(oldPassword, user.passwordHash))) {
      await loginThrottle.recordFailure(user.username, this.request.ip);
      throw badInput('oldPassword', 'is not the current password');
    }
    if (oldPassword === newPassword) throw badInput('newPassword', 'must differ from the current password');

    const passwordHash = await hasher.hash(newPassword);
    return db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ passwordHash, passwordChangedAt: new Date(), updatedAt: new Date() })
        .where(eq(users.id, user.id))
        .returning();
      await tx
        .update(sessions)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(sessions.userId, user.id),
            isNull(sessions.revokedAt),
            viewer.sessionId ? ne(sessions.id, viewer.sessionId) : undefined,
          ),
        );
      return row;
    });
  }
}

/**
 * The viewer behind a bearer token, or null when the token is unknown, expired, revoked, or
 * its user is deactivated or deleted.
 */
export async function authenticateSession(deps: AppDeps, token: string): Promise<Viewer | null> {
  if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 200) return null;
  const [row] = await deps.db
    .select({
      sessionId: sessions.id,
      lastSeenAt: sessions.lastSeenAt,
      userId: users.id,
      role: users.role,
      username: users.username,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, hashToken(token)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        eq(users.active, true),
        isNull(users.deletedAt),
      ),
    );
  if (!row) return null;
  if (Date.now() - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    // Best effort: a lost update only makes "active users" a minute staler.
    deps.db
      .update(sessions)
      .set({ lastSeenAt: new Date() })
      .where(eq(sessions.id, row.sessionId))
      .catch((err: unknown) => deps.log.warn({ err }, 'could not record session activity'));
  }
  return { userId: row.userId, role: row.role, username: row.username, sessionId: row.sessionId, apiKeyId: null };
}

/** Revokes every live session of a user (deactivation, deletion). */
export async function revokeUserSessions(db: AppDeps['db'], userId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}
