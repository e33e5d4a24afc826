import { and, count, desc, eq, gt, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { badInput, notFound, parseInput } from '../../errors';
import { hashToken, newToken } from '../../security/tokens';
import { apiKeys, users } from '../../store/schema';
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape } from '../connection';
import type { ApiKeyScope, Viewer } from '../context';
import { localId } from '../node/global-id';
import { hasManifest } from '../persisted/persisted.store';
import type { AppDeps } from '../services';
import { createApiKeyRule, type CreateApiKeyInput } from './api-key.input';
import { ApiKey } from './api-key.type';

export const API_KEY_PREFIX = 'ecs_k_';

/** The prefix and 32 random bytes in base64url, as newToken makes them. */
const API_KEY_PATTERN = /^ecs_k_[A-Za-z0-9_-]{43}$/;

/** How much of the secret is kept and shown to tell keys apart: too little to guess the rest. */
const SHOWN_LENGTH = API_KEY_PREFIX.length + 6;

/** How often a key's last use is written, at most: a partner calling all day is not a write per call. */
const LAST_USED_RESOLUTION_MS = 60_000;

const KNOWN_SCOPES = new Set<string>(['READ_ONLY', 'FULL', 'WORK_ORDERS'] satisfies ApiKeyScope[]);

/** Every column but the secret's hash, which never leaves this file. */
const shown = {
  id: apiKeys.id,
  userId: apiKeys.userId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  lastUsedAt: apiKeys.lastUsedAt,
  safelistClient: apiKeys.safelistClient,
};

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  safelistClient: string | null;
}

export class ApiKeyService {
  constructor(private readonly deps: AppDeps) {}

  /**
   * A new key and its secret, which is returned this once: only its sha256 is stored. A user
   * makes keys for itself; another user's id answers NOT_FOUND, as anywhere else, so ids
   * cannot be probed. Admins make keys for any live user.
   */
  async create(viewer: Viewer, input: CreateApiKeyInput): Promise<{ key: ApiKey; secret: string }> {
    const v = parseInput(createApiKeyRule, input);
    const userId = v.userId ? localId(v.userId, 'User') : viewer.userId;
    if (viewer.role !== 'ADMIN' && userId !== viewer.userId) throw notFound('User');
    const user = await this.deps.userStore.byId(userId);
    if (!user) throw notFound('User');
    if (!user.active) throw badInput('input.userId', 'the user is deactivated');
    if (v.safelistClient && !(await hasManifest(this.deps.db, v.safelistClient))) {
      throw badInput('input.safelistClient', 'no persisted-operation manifest is registered for this client (registerPersistedOperations)');
    }

    const secret = newToken(API_KEY_PREFIX);
    const [row] = await this.deps.db
      .insert(apiKeys)
      .values({
        userId,
        name: v.name,
        prefix: secret.slice(0, SHOWN_LENGTH),
        secretHash: hashToken(secret),
        scopes: v.scopes,
        expiresAt: v.expiresAt ?? null,
        safelistClient: v.safelistClient ?? null,
      })
      .returning(shown);
    return { key: ApiKey.fromRecord(row), secret };
  }

  /** A key the viewer may see: its own, or any for admins. Anything else is NOT_FOUND. */
  async get(viewer: Viewer, id: string): Promise<ApiKey> {
    const keyId = localId(id, 'ApiKey', 'API key');
    const [row] = await this.deps.db.select(shown).from(apiKeys).where(eq(apiKeys.id, keyId));
    if (!row || (viewer.role !== 'ADMIN' && row.userId !== viewer.userId)) throw notFound('API key');
    return ApiKey.fromRecord(row);
  }

  /** Revokes a key at once, for good; revoking it again changes nothing. */
  async revoke(viewer: Viewer, id: string): Promise<ApiKey> {
    await this.get(viewer, id);
    const keyId = localId(id, 'ApiKey', 'API key');
    const [row] = await this.deps.db
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(eq(apiKeys.id, keyId))
      .returning(shown);
    return ApiKey.fromRecord(row);
  }

  /** Newest first. Users see their own keys (another user is NOT_FOUND); admins everyone's, or one user's. */
  async list(viewer: Viewer, args: { userId?: string | null; first?: number | null; after?: string | null }): Promise<ConnectionShape<ApiKey>> {
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 2);
    const named = args.userId ? localId(args.userId, 'User') : null;
    if (viewer.role !== 'ADMIN' && named && named !== viewer.userId) throw notFound('User');
    const owner = viewer.role === 'ADMIN' ? named : viewer.userId;
    const where: SQL | undefined = owner ? eq(apiKeys.userId, owner) : undefined;
    const page = cursor
      ? and(
          where,
          or(
            lt(apiKeys.createdAt, new Date(String(cursor[0]))),
            and(eq(apiKeys.createdAt, new Date(String(cursor[0]))), lt(apiKeys.id, String(cursor[1]))),
          ),
        )
      : where;
    const [rows, [{ n }]] = await Promise.all([
      this.deps.db.select(shown).from(apiKeys).where(page).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(limit + 1),
      this.deps.db.select({ n: count() }).from(apiKeys).where(where),
    ]);
    return toConnection(rows, limit, n, !!cursor, (r) => encodeCursor([r.createdAt.toISOString(), r.id]), ApiKey.fromRecord);
  }
}

/**
 * The viewer behind an API key's secret, or null when the key is unknown, revoked, expired,
 * or its user is deactivated or deleted. The viewer has the user's current role, narrowed by
 * the key's scopes.
 */
export async function authenticateApiKey(deps: AppDeps, secret: string): Promise<Viewer | null> {
  if (!API_KEY_PATTERN.test(secret)) return null;
  const [row] = await deps.db
    .select({
      keyId: apiKeys.id,
      scopes: apiKeys.scopes,
      lastUsedAt: apiKeys.lastUsedAt,
      safelistClient: apiKeys.safelistClient,
      userId: users.id,
      role: users.role,
      username: users.username,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(
      and(
        eq(apiKeys.secretHash, hashToken(secret)),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
        eq(users.active, true),
        isNull(users.deletedAt),
      ),
    );
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Conditional, so that replicas seeing the same stale time write it once between them; a
    // failure to record it must not refuse the call.
    const stale = new Date(Date.now() - LAST_USED_RESOLUTION_MS);
    await deps.db
      .update(apiKeys)
      .set({ lastUsedAt: new Date() })
      .where(and(eq(apiKeys.id, row.keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))))
      .catch((err: unknown) => deps.log.warn({ err, apiKeyId: row.keyId }, 'could not record API key use'));
  }
  return {
    userId: row.userId,
    role: row.role,
    username: row.username,
    sessionId: null,
    apiKeyId: row.keyId,
    // A scope this version does not know grants nothing.
    scopes: row.scopes.filter((s): s is ApiKeyScope => KNOWN_SCOPES.has(s)),
    safelistClient: row.safelistClient,
  };
}
