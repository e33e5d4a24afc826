import { and, asc, count, eq, gt, isNotNull, isNull, lt, min, or, sql } from 'drizzle-orm';
import type { GraphQLSchema } from 'graphql';
import type Redis from 'ioredis';
import { badFields, conflict } from '../../errors';
import type { Db } from '../../store/db';
import { persistedQueries } from '../../store/schema';
import { canonicalSha256 } from './persisted.document';
import { checkManifest, registrationRule, type ManifestOperation, type OperationType } from './persisted.manifest';

/*
 * Where persisted operations live. Manifest operations: rows of persisted_queries with their
 * client and version, never changed once registered. Automatic Persisted Queries: Redis keys
 * `<REDIS_PREFIX>apq:<sha256>` with REDIS_URL, else rows without client (clientName null),
 * both for APQ_TTL_SECONDS.
 */

/** A manifest operation found by id (or by its document), and the clients whose manifests hold it. */
export interface FoundOperation {
  id: string;
  document: string;
  clients: string[];
}

/** The operation registered under `id` (its manifest id, the sha256 of its body) in any client's manifest, or null. */
export async function manifestOperation(db: Db, id: string): Promise<FoundOperation | null> {
  const rows = await db
    .selectDistinct({ client: persistedQueries.clientName, document: persistedQueries.document })
    .from(persistedQueries)
    .where(and(eq(persistedQueries.sha256, id), eq(persistedQueries.operationId, id), isNotNull(persistedQueries.clientName)));
  if (!rows.length) return null;
  return { id, document: rows[0].document, clients: [...new Set(rows.map((r) => r.client!))].sort() };
}

/**
 * The operation of `client`'s manifests (any version) that a sent document is: the same text
 * (`sentSha256`), or the same once printed by graphql-js (`canonical`). Null when none is.
 */
export async function clientOperationByDocument(db: Db, client: string, sentSha256: string, canonical: string | null): Promise<FoundOperation | null> {
  const [row] = await db
    .select({ id: persistedQueries.operationId, document: persistedQueries.document })
    .from(persistedQueries)
    .where(
      and(
        eq(persistedQueries.clientName, client),
        canonical ? or(eq(persistedQueries.sha256, sentSha256), eq(persistedQueries.normalizedSha256, canonical)) : eq(persistedQueries.sha256, sentSha256),
      ),
    )
    .limit(1);
  return row ? { id: row.id, document: row.document, clients: [client] } : null;
}

/** Whether any manifest of `client` is registered. */
export async function hasManifest(db: Db, client: string): Promise<boolean> {
  const [row] = await db.select({ id: persistedQueries.id }).from(persistedQueries).where(eq(persistedQueries.clientName, client)).limit(1);
  return !!row;
}

export interface ManifestVersion {
  clientName: string;
  version: string;
  operationCount: number;
  registeredAt: Date;
}

/** Every registered client and version, by client name, then oldest version first. */
export async function manifestVersions(db: Db): Promise<ManifestVersion[]> {
  const rows = await db
    .select({
      clientName: persistedQueries.clientName,
      version: persistedQueries.version,
      operationCount: count(),
      registeredAt: min(persistedQueries.createdAt),
    })
    .from(persistedQueries)
    .where(isNotNull(persistedQueries.clientName))
    .groupBy(persistedQueries.clientName, persistedQueries.version)
    .orderBy(asc(persistedQueries.clientName), asc(min(persistedQueries.createdAt)), asc(persistedQueries.version));
  return rows.map((r) => ({ clientName: r.clientName!, version: r.version ?? '', operationCount: Number(r.operationCount), registeredAt: r.registeredAt! }));
}

export interface StoredOperation {
  id: string;
  name: string | null;
  type: OperationType | null;
  body: string;
}

/** The operations of one client's version, by name. */
export async function manifestOperations(db: Db, clientName: string, version: string): Promise<StoredOperation[]> {
  const rows = await db
    .select({ id: persistedQueries.operationId, name: persistedQueries.operationName, type: persistedQueries.operationType, body: persistedQueries.document })
    .from(persistedQueries)
    .where(and(eq(persistedQueries.clientName, clientName), eq(persistedQueries.version, version)))
    .orderBy(asc(persistedQueries.operationName), asc(persistedQueries.operationId));
  return rows.map((r) => ({ ...r, type: r.type as OperationType | null }));
}

export interface Registration {
  clientName: string;
  version: string;
  operationCount: number;
  registeredAt: Date;
  /** False when this very manifest was registered before under this client and version (nothing changed). */
  created: boolean;
}

/**
 * Registers a client's manifest under a version, checked whole first (see checkManifest).
 * Versions never change: the same client and version again with the same operations changes
 * nothing; with other operations it is CONFLICT (register a new version).
 */
export async function registerManifest(
  db: Db,
  schema: GraphQLSchema,
  input: { clientName: string; version: string; manifest: unknown },
): Promise<Registration> {
  const named = registrationRule.safeParse({ clientName: input.clientName, version: input.version });
  if (!named.success) throw badFields(named.error.issues.map((issue) => ({ field: issue.path.map(String).join('.'), message: issue.message })));
  const { clientName, version } = named.data;
  let manifest = input.manifest;
  if (typeof manifest === 'string') {
    try {
      manifest = JSON.parse(manifest);
    } catch {
      // Refused by the checks below, naming `manifest`.
    }
  }
  const operations = checkManifest(manifest, schema);
  return db.transaction(async (tx) => {
    // One registration of a client's version at a time, so two at once cannot mix their operations.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`persisted:${clientName}:${version}`}))`);
    const existing = await tx
      .select({ id: persistedQueries.operationId, createdAt: persistedQueries.createdAt })
      .from(persistedQueries)
      .where(and(eq(persistedQueries.clientName, clientName), eq(persistedQueries.version, version)));
    if (existing.length) {
      const before = new Set(existing.map((r) => r.id));
      if (before.size !== operations.length || operations.some((op) => !before.has(op.id))) {
        throw conflict(
          `${clientName} ${version} is registered already with other operations; a version never changes: register this manifest under a new version.`,
          'version',
        );
      }
      const registeredAt = new Date(Math.min(...existing.map((r) => r.createdAt.getTime())));
      return { clientName, version, operationCount: existing.length, registeredAt, created: false };
    }
    const rows = await tx
      .insert(persistedQueries)
      .values(operations.map((op: ManifestOperation) => ({
        clientName,
        version,
        operationId: op.id,
        sha256: op.id,
        normalizedSha256: op.normalizedSha256,
        operationName: op.name,
        operationType: op.type,
        document: op.body,
      })))
      .returning({ createdAt: persistedQueries.createdAt });
    return { clientName, version, operationCount: rows.length, registeredAt: rows[0].createdAt, created: true };
  });
}

/** Automatic Persisted Queries: documents by their sha256, for a while. */
export class ApqStore {
  constructor(
    private readonly db: Db,
    private readonly redis: { client: Redis; prefix: string } | null,
    private readonly ttlSeconds: number,
  ) {}

  /** Entries registered before this have expired. */
  private cutoff() {
    return new Date(Date.now() - this.ttlSeconds * 1000);
  }

  private key(hash: string) {
    return `${this.redis!.prefix}apq:${hash}`;
  }

  async get(hash: string): Promise<string | null> {
    if (this.redis) return this.redis.client.get(this.key(hash));
    const [row] = await this.db
      .select({ document: persistedQueries.document })
      .from(persistedQueries)
      .where(and(apqRow(hash), gt(persistedQueries.createdAt, this.cutoff())))
      .limit(1);
    return row?.document ?? null;
  }

  /** Keeps `document` under its sha256 `hash` for the TTL from now (again, when it was there). */
  async set(hash: string, document: string): Promise<void> {
    if (this.redis) {
      await this.redis.client.set(this.key(hash), document, 'EX', this.ttlSeconds);
      return;
    }
    const values = { clientName: null, version: null, operationId: hash, sha256: hash, normalizedSha256: canonicalSha256(document), document };
    await this.db.insert(persistedQueries).values(values).onConflictDoNothing();
    await this.db.update(persistedQueries).set({ createdAt: new Date(), document }).where(apqRow(hash));
    // Now and then, expired entries go.
    if (Math.random() < 0.05) {
      await this.db
        .delete(persistedQueries)
        .where(and(isNull(persistedQueries.clientName), lt(persistedQueries.createdAt, this.cutoff())));
    }
  }
}

const apqRow = (hash: string) =>
  and(isNull(persistedQueries.clientName), isNull(persistedQueries.version), eq(persistedQueries.operationId, hash), eq(persistedQueries.sha256, hash));
