import type { Server } from 'node:http';
import crypto from 'node:crypto';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { ErrorCode, isExpectedError, toClientError } from '../errors';
import type { Context, Viewer } from '../graph/context';
import { createServices, type AppDeps } from '../graph/services';
import { readCredential, resolveViewer, type Credential } from './auth';
import { GRAPHQL_PATH } from './http';
import { persistedWsSubscribe, wsNeedsPersisted } from './persisted';
import { rateLimitError, requestLimiter } from './rate-limit';
import { checkDocument, mayIntrospect, parsedDocument, stripSuggestions } from './limits';
import { deliverDirectly, sharedSubscribe } from './shared-subscriptions';

/** Largest WebSocket frame accepted. */
export const WS_MAX_PAYLOAD = 64 * 1024;

type ConnectionExtra = {
  viewer?: Viewer | null;
  /** Checked again before every operation: a session revoked since connect ends the socket. */
  credential?: Credential;
  ip?: string | null;
  userAgent?: string | null;
  /** Ids of the subscriptions admitted on this socket (stale ones pruned against ctx.subscriptions). */
  admitted?: Set<string>;
};

/**
 * graphql-ws on the HTTP server's port and path. Credentials come in `connection_init`
 * (`{ "authorization": "Bearer <token>" }` or `{ "x-api-key": "<secret>" }`); a bad one closes
 * the socket with 4403, both at once with 4400.
 */
export function attachWebSocket(server: Server, schema: GraphQLSchema, deps: AppDeps) {
  // No per-message compression: the fan-out writes whole frames to the TCP socket beside the WebSocket's own (shared-subscriptions.ts).
  const wss = new WebSocketServer({ server, path: GRAPHQL_PATH, maxPayload: WS_MAX_PAYLOAD, perMessageDeflate: false });
  const disposable = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema,
      subscribe: sharedSubscribe,
      connectionInitWaitTimeout: 3000,
      onConnect: async (ctx) => {
        const credential = credentialOf(ctx.connectionParams);
        const viewer = await resolveViewer(deps, credential);
        if (viewer === 'ambiguous') {
          ctx.extra.socket.close(CloseCode.BadRequest, 'Send either authorization or x-api-key, not both');
          return false;
        }
        if (viewer === 'invalid') return false;
        ctx.extra.viewer = viewer;
        ctx.extra.credential = credential;
        ctx.extra.ip = ctx.extra.request.socket.remoteAddress ?? null;
        ctx.extra.userAgent = ctx.extra.request.headers['user-agent'] ?? null;
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        // Persisted operations (documentId, APQ, safelisted API keys, PERSISTED_OPERATIONS_ONLY) become payload.query first.
        if (wsNeedsPersisted(deps, schema, payload, ctx.extra.viewer ?? null)) {
          const persistedErrors = await persistedWsSubscribe(deps, schema, payload, ctx.extra.viewer ?? null, deps.log);
          if (persistedErrors) return persistedErrors;
        }
        const type = operationType(parsedDocument(schema, deps.config.limits, payload.query), payload.operationName);
        // Decided before the first await, so subscribes arriving together count in order.
        const admitted = type !== 'subscription' || admitSubscription(ctx, id, deps.config.ws.maxSubscriptions);
        if (ctx.extra.viewer) {
          const viewer = await resolveViewer(deps, ctx.extra.credential ?? { kind: 'none' });
          if (viewer === 'invalid' || viewer === 'ambiguous' || viewer?.userId !== ctx.extra.viewer.userId) {
            // Same close code as a bad credential at connect: the client signs in again.
            ctx.extra.socket.close(4403, 'Forbidden');
            return [new GraphQLError('The session or API key is no longer valid.', { extensions: { code: 'UNAUTHENTICATED' } })];
          }
          ctx.extra.viewer = viewer;
        }
        // RATE_LIMIT_*: every subscribe spends one request of its caller's budget, as over HTTP.
        const limited = await requestLimiter(deps).consume(ctx.extra.viewer ?? null, ctx.extra.ip ?? null);
        if (limited) return [rateLimitError(limited)];
        if (!admitted) {
          return [
            new GraphQLError(`At most ${deps.config.ws.maxSubscriptions} subscriptions run at once on one connection; complete one first.`, {
              extensions: { code: ErrorCode.RATE_LIMITED },
            }),
          ];
        }
        if (!deps.config.ws.allowOperations && type !== null && type !== 'subscription') {
          return [
            new GraphQLError('Only subscriptions run over WebSocket; send queries and mutations over HTTP.', {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        }
        // The limits of HTTP, and its introspection rule, hold here too.
        const checked = checkDocument(schema, deps.config.limits, ctx.extra.viewer ?? null, deps.config.env === 'development', payload);
        if (checked.errors) return checked.errors;
        // Parsed and validated here (once per document text), so graphql-ws does neither again.
        return { schema, document: checked.document, operationName: payload.operationName, variableValues: payload.variables };
      },
      context: (ctx, id): Context => {
        const requestId = crypto.randomUUID();
        const ip = ctx.extra.ip ?? null;
        const userAgent = ctx.extra.userAgent ?? null;
        const context: Context = {
          requestId,
          viewer: ctx.extra.viewer ?? null,
          ip,
          userAgent,
          log: deps.log.child({ requestId, transport: 'ws' }),
          services: createServices(deps, { requestId, ip, userAgent }),
        };
        // A shared subscription's events are written to the socket by the fan-out itself.
        deliverDirectly(context, { socket: ctx.extra.socket, tcp: ctx.extra.request.socket, id, format: (result, args) => clientResult(ctx.extra.viewer ?? null, args, result) });
        return context;
      },
      onNext: (ctx, _id, _payload, args, result) => (result.errors?.length ? clientResult(ctx.extra.viewer ?? null, args, result) : result),
    },
    wss,
  );
  /** A result with its errors as the client sees them (unexpected ones logged, suggestions kept from those who may not introspect). */
  function clientResult(viewer: Viewer | null, args: ExecutionArgs, result: ExecutionResult): ExecutionResult {
    if (!result.errors?.length) return result;
    const log = (args.contextValue as Context | undefined)?.log ?? deps.log;
    const suggestions = mayIntrospect(viewer, deps.config.env === 'development');
    return {
      ...result,
      errors: result.errors.map((error) => {
        if (!isExpectedError(error)) log.error({ err: error.originalError ?? error }, 'unexpected error');
        const client = toClientError(error.toJSON(), error, { exposeUnexpected: deps.config.env === 'development' });
        return suggestions ? client : { ...client, message: stripSuggestions(client.message) };
      }),
    } as unknown as ExecutionResult;
  }

  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The credentials of `connection_init`; the API key as `x-api-key` (the HTTP header's name) or `apiKey`. */
function credentialOf(params: Record<string, unknown> | undefined): Credential {
  const keys = [params?.['x-api-key'], params?.apiKey].filter((value) => value !== undefined && value !== null && value !== '');
  if (keys.length > 1 && keys[0] !== keys[1]) return { kind: 'ambiguous' };
  return readCredential({ authorization: params?.authorization, apiKey: keys[0] });
}

/**
 * Takes `id` as one more running subscription of the socket, unless `max` already run.
 * graphql-ws keeps every running operation in `ctx.subscriptions` until it ends, however it
 * ends (completed, failed, refused, socket closed), so the admitted set is pruned against it.
 */
function admitSubscription(ctx: { readonly subscriptions: Record<string, unknown>; extra: ConnectionExtra }, id: string, max: number): boolean {
  const admitted = (ctx.extra.admitted ??= new Set());
  for (const other of admitted) if (!(other in ctx.subscriptions)) admitted.delete(other);
  if (admitted.size >= max) return false;
  admitted.add(id);
  return true;
}

/** The type of the operation a request would run; null when the document does not parse (checkDocument reports that). */
function operationType(document: DocumentNode | null, operationName: string | null | undefined): string | null {
  return document ? (getOperationAST(document, operationName)?.operation ?? null) : null;
}
