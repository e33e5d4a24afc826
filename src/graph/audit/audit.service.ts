import { and, desc, eq, lt, count } from 'drizzle-orm';
import { encoded, placeholders, prepared } from '../../store/prepared';
import { auditLog, type AuditRow } from '../../store/schema';
import { decodeCursor, encodeCursor, pageSize, toConnection, type ConnectionShape } from '../connection';
import type { Viewer } from '../context';
import { decodeId, localId } from '../node/global-id';
import type { AppDeps, RequestInfo } from '../services';
import { AuditEntry } from './audit.type';

export interface AuditRecord {
  viewer: Viewer | null;
  action: string;
  targetId: string | null;
  outcome: 'SUCCESS' | 'FAILURE';
  errorCode: string | null;
  details?: Record<string, unknown> | null;
}

/** The columns an audit row is written with (the id and time are the database's). */
const AUDIT_COLUMNS = ['requestId', 'actorUserId', 'actorApiKeyId', 'action', 'targetKind', 'targetId', 'outcome', 'errorCode', 'ip', 'details'] as const;

export class AuditService {
  constructor(
    private readonly deps: AppDeps,
    private readonly request: RequestInfo,
  ) {}

  /** Writes one audit row; a failure to write is logged, never surfaced to the caller. */
  async record(entry: AuditRecord): Promise<void> {
    try {
      const insert = prepared(this.deps.db, 'audit_record', (db) => db.insert(auditLog).values(placeholders(AUDIT_COLUMNS)).prepare('audit_record'));
      await insert.execute(
        encoded(auditLog, {
          requestId: this.request.requestId,
          actorUserId: entry.viewer?.userId ?? null,
          actorApiKeyId: entry.viewer?.apiKeyId ?? null,
          action: entry.action,
          targetKind: entry.targetId ? (decodeId(entry.targetId)?.kind ?? null) : null,
          targetId: entry.targetId,
          outcome: entry.outcome,
          errorCode: entry.errorCode,
          ip: this.request.ip,
          details: entry.details ?? null,
        }),
      );
    } catch (err) {
      this.deps.log.error({ err, requestId: this.request.requestId, action: entry.action }, 'audit write failed');
    }
  }

  async list(args: { first?: number | null; after?: string | null; userId?: string | null }): Promise<ConnectionShape<AuditEntry>> {
    const limit = pageSize(args.first);
    const cursor = decodeCursor(args.after, 1);
    const filter = args.userId ? eq(auditLog.actorUserId, localId(args.userId, 'User')) : undefined;
    const [rows, [{ total }]] = await Promise.all([
      this.deps.db
        .select()
        .from(auditLog)
        .where(and(filter, cursor ? lt(auditLog.id, Number(cursor[0])) : undefined))
        .orderBy(desc(auditLog.id))
        .limit(limit + 1),
      this.deps.db.select({ total: count() }).from(auditLog).where(filter),
    ]);
    return toConnection(rows, limit, total, !!cursor, (r: AuditRow) => encodeCursor([r.id]), AuditEntry.fromRow);
  }
}
