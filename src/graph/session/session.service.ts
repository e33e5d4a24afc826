import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { AppError, badInput, ErrorCode, unauthenticated } from '../../errors';
import { hashToken, newToken } from '../../security/tokens';
import { sessions, users, type UserRow } from '../../store/schema';
import { usersChanged } from '../../store/users';
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
    await usersChanged(this.deps.rows, user.id);
    return { token, expiresAt, user: updated };
  }

  /** Ends the caller's session. */
  async logout(viewer: Viewer): Promise<boolean> {
    if (!viewer.sessionId) throw badInput('session', 'only a session can sign out; API keys are revoked instead');
    await this.deps.db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessions.id, viewer.sessionId), isNull(sessions.revokedAt)));
    forgetSessions();
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
    const changed = await db.transaction(async (tx) => {
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
    forgetSessions();
    await usersChanged(this.deps.rows, user.id);
    return changed;
  }
}

/**
 * Sessions looked up lately, by token hash, for SESSION_CACHE_MS: a query fewer per request.
 * Process-wide, so that a session ended by any gateway of this process is forgotten by all of
 * them at once; an entry never outlives its session's expiry. A session ended by another
 * process is refused once its entry here runs out, within SESSION_CACHE_MS.
 */
interface CachedSession {
  viewer: Viewer;
  /** Until when the entry may answer (ms since the epoch). */
  until: number;
  lastSeenAt: number;
}
const recentSessions = new Map<string, CachedSession>();
/** Enough for every session active on one gateway within a few seconds; past it the oldest entry goes. */
const MAX_CACHED_SESSIONS = 10_000;
/** Moves on at every forget: a look-up that began before one does not keep what it read. */
let sessionGeneration = 0;
/** Look-ups under way, by token hash: a forget drops them, so no request after it joins a read from before. */
const pendingSessions = new Map<string, Promise<CachedSession | null>>();

/**
 * Forgets every session looked up lately: after anything that ends a session or changes what
 * a viewer holds (logout, password change, deactivation, deletion, a user's role or name).
 */
export function forgetSessions(): void {
  recentSessions.clear();
  pendingSessions.clear();
  sessionGeneration++;
}

/**
 * The viewer behind a bearer token, or null when the token is unknown, expired, revoked, or
 * its user is deactivated or deleted.
 */
export async function authenticateSession(deps: AppDeps, token: string): Promise<Viewer | null> {
  if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 200) return null;
  const tokenHash = hashToken(token);
  const cacheMs = deps.config.sessions.cacheMs;
  const now = Date.now();
  const cached = cacheMs > 0 ? recentSessions.get(tokenHash) : undefined;
  if (cached && cached.until > now) {
    touchSession(deps, cached.viewer.sessionId!, cached, now);
    return { ...cached.viewer };
  }
  if (cached) recentSessions.delete(tokenHash);
  // Requests that arrive together with a token not yet looked up share one read.
  let lookup = pendingSessions.get(tokenHash);
  if (!lookup) {
    const read = lookUpSession(deps, tokenHash, now);
    const done = () => void (pendingSessions.get(tokenHash) === read && pendingSessions.delete(tokenHash));
    read.then(done, done);
    pendingSessions.set(tokenHash, (lookup = read));
  }
  const entry = await lookup;
  return entry ? { ...entry.viewer } : null;
}

/** Reads the session of a token hash, records its use, and keeps it for SESSION_CACHE_MS. */
async function lookUpSession(deps: AppDeps, tokenHash: string, now: number): Promise<CachedSession | null> {
  const cacheMs = deps.config.sessions.cacheMs;
  const generation = sessionGeneration;
  const [row] = await deps.db
    .select({
      sessionId: sessions.id,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      userId: users.id,
      role: users.role,
      username: users.username,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, tokenHash),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        eq(users.active, true),
        isNull(users.deletedAt),
      ),
    );
  if (!row) return null;
  const viewer: Viewer = { userId: row.userId, role: row.role, username: row.username, sessionId: row.sessionId, apiKeyId: null };
  const entry: CachedSession = { viewer, until: Math.min(now + cacheMs, row.expiresAt.getTime()), lastSeenAt: row.lastSeenAt.getTime() };
  touchSession(deps, row.sessionId, entry, now);
  if (cacheMs > 0 && generation === sessionGeneration) {
    if (recentSessions.size >= MAX_CACHED_SESSIONS) recentSessions.delete(recentSessions.keys().next().value!);
    recentSessions.set(tokenHash, entry);
  }
  return entry;
}

/** Records that a session was used, at most once per LAST_SEEN_RESOLUTION_MS. */
function touchSession(deps: AppDeps, sessionId: string, seen: { lastSeenAt: number }, now: number): void {
  if (now - seen.lastSeenAt <= LAST_SEEN_RESOLUTION_MS) return;
  seen.lastSeenAt = now;
  // Best effort: a lost update only makes "active users" a minute staler.
  deps.db
    .update(sessions)
    .set({ lastSeenAt: new Date(now) })
    .where(eq(sessions.id, sessionId))
    .catch((err: unknown) => deps.log.warn({ err }, 'could not record session activity'));
}

/** Revokes every live session of a user (deactivation, deletion). */
export async function revokeUserSessions(db: AppDeps['db'], userId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  forgetSessions();
}
