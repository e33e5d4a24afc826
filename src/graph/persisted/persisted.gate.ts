import { parse, validate, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../errors';
import type { Logger } from '../../logger';
import type { Viewer } from '../context';
import type { AppDeps } from '../services';
import { canonicalSha256, sha256, SHA256_PATTERN } from './persisted.document';
import { ApqStore, clientOperationByDocument, manifestOperation } from './persisted.store';

/*
 * Which document a GraphQL request runs, decided before Apollo (HTTP) or graphql-ws runs it:
 *
 * - `documentId`: a manifest operation by its id;
 * - `extensions.persistedQuery: { version: 1, sha256Hash }` (Apollo's APQ): with `query`, the
 *   hash must be the query's sha256 and the query is kept for APQ_TTL_SECONDS; without, the
 *   hash is a manifest operation's id or a kept query's, else PERSISTED_QUERY_NOT_FOUND (the
 *   client sends the query again with the hash);
 * - `query` alone: the document as sent.
 *
 * Then who may run it: an API key bound to a client's manifests (`safelistClient`) runs only
 * their operations, by id or by their document unchanged (or printed alike by graphql-js);
 * with PERSISTED_OPERATIONS_ONLY only administrators send documents, everyone else ids.
 */

/** The fields of one GraphQL request (a POST body, GET parameters, a graphql-ws subscribe payload). */
export interface OperationRequest {
  query?: unknown;
  operationName?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export type GateOutcome =
  /** Nothing to change: the request goes on as sent. */
  | { kind: 'pass' }
  /** Run `query`; `documentId` and `extensions.persistedQuery` are dropped (`extensions` is what is left). */
  | { kind: 'resolved'; query: string; extensions: Record<string, unknown> | undefined }
  /** Answered without running anything: `status` for HTTP. */
  | { kind: 'refused'; code: string; message: string; status: number };

export type GateDeps = Pick<AppDeps, 'db' | 'redis' | 'config'>;

export interface GateMeta {
  log: Logger;
  transport: 'http' | 'ws';
}

/** The largest document kept as an APQ (larger ones run, and are sent whole each time): no client's operation comes near. */
export const MAX_KEPT_BYTES = 64 * 1024;

/** Apollo clients look for this message (and the code) to send the query again with its hash. */
export const APQ_NOT_FOUND_MESSAGE = 'PersistedQueryNotFound';

const refused = (code: string, message: string, status: number): GateOutcome => ({ kind: 'refused', code, message, status });
const badRequest = (message: string) => refused('BAD_REQUEST', message, 400);

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/** The request's persisted-operation fields: `extensions.persistedQuery` and `documentId`. */
function persistedFields(request: OperationRequest) {
  const extensions = isObject(request.extensions) ? request.extensions : undefined;
  return { persistedQuery: extensions?.persistedQuery, documentId: request.documentId, extensions };
}

export class PersistedGate {
  private readonly apq: ApqStore;

  constructor(
    private readonly deps: GateDeps,
    private readonly schema: GraphQLSchema,
  ) {
    const redis = deps.redis && deps.config.redis ? { client: deps.redis, prefix: deps.config.redis.prefix } : null;
    this.apq = new ApqStore(deps.db, redis, deps.config.persisted.apqTtlSeconds);
  }

  /**
   * Whether `resolve` has anything to do: false (decided without waiting) for a document sent
   * as is by a viewer who may send documents, which is most requests.
   */
  applies(request: OperationRequest, viewer: Viewer | null): boolean {
    const { persistedQuery, documentId } = persistedFields(request);
    return persistedQuery !== undefined || documentId !== undefined || this.restriction(viewer) !== null;
  }

  /** What restricts the viewer's documents: its key's manifests, PERSISTED_OPERATIONS_ONLY, or nothing. */
  private restriction(viewer: Viewer | null): { safelist: string } | 'persisted-only' | null {
    if (viewer?.safelistClient) return { safelist: viewer.safelistClient };
    if (this.deps.config.persisted.only && viewer?.role !== 'ADMIN') return 'persisted-only';
    return null;
  }

  async resolve(request: OperationRequest, viewer: Viewer | null, meta: GateMeta): Promise<GateOutcome> {
    const { persistedQuery, documentId, extensions } = persistedFields(request);
    const query = typeof request.query === 'string' && request.query.trim() !== '' ? request.query : undefined;

    let hash: string | undefined;
    if (persistedQuery !== undefined && persistedQuery !== null) {
      if (!isObject(persistedQuery) || persistedQuery.version !== 1) return badRequest('Unsupported persisted query version: send extensions.persistedQuery as { version: 1, sha256Hash }.');
      const given = persistedQuery.sha256Hash;
      if (typeof given !== 'string' || !SHA256_PATTERN.test(given.toLowerCase())) {
        return badRequest('extensions.persistedQuery.sha256Hash must be the sha256 of the query, as 64 hex digits.');
      }
      hash = given.toLowerCase();
    }
    if (documentId !== undefined && documentId !== null) {
      if (typeof documentId !== 'string' || !documentId) return badRequest('documentId must be the id of a persisted operation, as a string.');
      if (query) return badRequest('Send either query or documentId, not both.');
      if (hash && hash !== documentId.toLowerCase()) return badRequest('documentId and extensions.persistedQuery.sha256Hash name different operations.');
    }

    const restriction = this.restriction(viewer);
    const rest = extensions ? Object.fromEntries(Object.entries(extensions).filter(([key]) => key !== 'persistedQuery')) : undefined;
    const run = (text: string): GateOutcome => ({ kind: 'resolved', query: text, extensions: rest && Object.keys(rest).length ? rest : undefined });

    // A manifest operation, by id: run when the viewer's key (if bound) is bound to one of its clients.
    const byId = async (id: string): Promise<GateOutcome | null> => {
      const found = SHA256_PATTERN.test(id.toLowerCase()) ? await manifestOperation(this.deps.db, id.toLowerCase()) : null;
      if (!found) return null;
      if (restriction && typeof restriction === 'object' && !found.clients.includes(restriction.safelist)) {
        return this.notAllowed(viewer, meta, request, { reason: 'operation of another client', operationId: found.id });
      }
      return run(found.document);
    };

    if (typeof documentId === 'string') {
      return (await byId(documentId)) ?? refused(ErrorCode.PERSISTED_QUERY_NOT_FOUND, `No persisted operation has the id ${documentId.slice(0, 100)}.`, 200);
    }

    let text: string;
    let keep = false;
    if (hash) {
      if (query) {
        if (sha256(query) !== hash) return badRequest('provided sha does not match query');
        const manifest = await byId(hash);
        if (manifest) return manifest;
        text = query;
        keep = true;
      } else {
        const manifest = await byId(hash);
        if (manifest) return manifest;
        const kept = await this.apq.get(hash).catch((err: unknown) => {
          meta.log.warn({ err }, 'could not read an automatic persisted query');
          return null;
        });
        if (kept === null) return refused(ErrorCode.PERSISTED_QUERY_NOT_FOUND, APQ_NOT_FOUND_MESSAGE, 200);
        text = kept;
      }
    } else if (query) {
      text = query;
    } else {
      // Nothing to run: Apollo (or graphql-ws) says what is missing.
      return { kind: 'pass' };
    }

    // A document: as sent, or kept by its APQ hash.
    if (restriction === 'persisted-only') {
      return this.notAllowed(viewer, meta, request, { reason: 'full document (PERSISTED_OPERATIONS_ONLY)', sha256: hash ?? sha256(text) });
    }
    if (restriction) {
      const sent = hash ?? sha256(text);
      const found = await clientOperationByDocument(this.deps.db, restriction.safelist, sent, canonicalSha256(text));
      if (!found) return this.notAllowed(viewer, meta, request, { reason: 'not in the client’s manifests', sha256: sent });
    }
    if (keep && hash) await this.keep(hash, text, meta);
    return hash ? run(text) : { kind: 'pass' };
  }

  /** Keeps an APQ document that parses and validates (what would fail anyway is not kept), up to MAX_KEPT_BYTES. */
  private async keep(hash: string, text: string, meta: GateMeta): Promise<void> {
    if (Buffer.byteLength(text) > MAX_KEPT_BYTES) return;
    try {
      if (validate(this.schema, parse(text, { noLocation: true })).length) return;
    } catch {
      return;
    }
    await this.apq.set(hash, text).catch((err: unknown) => meta.log.warn({ err }, 'could not keep an automatic persisted query'));
  }

  /** PERSISTED_QUERY_NOT_ALLOWED, logged with who asked and what (never a secret or the document itself). */
  private notAllowed(viewer: Viewer | null, meta: GateMeta, request: OperationRequest, what: { reason: string; sha256?: string; operationId?: string }): GateOutcome {
    const safelist = viewer?.safelistClient ?? null;
    meta.log.warn(
      {
        transport: meta.transport,
        userId: viewer?.userId ?? null,
        apiKeyId: viewer?.apiKeyId ?? null,
        safelistClient: safelist,
        operationName: typeof request.operationName === 'string' ? request.operationName.slice(0, 100) : null,
        ...what,
      },
      'persisted operation refused',
    );
    const message = safelist
      ? `This API key runs only the persisted operations of ${safelist}: send one by its id (documentId, or extensions.persistedQuery.sha256Hash) or its document unchanged.`
      : 'Only persisted operations run here (PERSISTED_OPERATIONS_ONLY): send a registered operation by its id (documentId, or extensions.persistedQuery.sha256Hash); full documents are for administrators.';
    return refused(ErrorCode.PERSISTED_QUERY_NOT_ALLOWED, message, 400);
  }
}
