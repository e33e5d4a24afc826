import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Viewer } from '../graph/context';
import { PersistedGate, type GateOutcome, type OperationRequest } from '../graph/persisted/persisted.gate';
import { graphSchema } from '../graph/schema';
import type { AppDeps } from '../graph/services';
import type { Logger } from '../logger';

/*
 * Persisted operations on both transports (see src/graph/persisted/persisted.gate.ts): the
 * document a request runs is found here, before Apollo or graphql-ws sees the request, and
 * refusals (PERSISTED_QUERY_NOT_FOUND, PERSISTED_QUERY_NOT_ALLOWED, a wrong hash) are answered
 * without running anything. Apollo's own APQ is off (src/server/apollo.ts).
 */

const gates = new WeakMap<AppDeps, PersistedGate>();

function gateOf(deps: AppDeps, schema: GraphQLSchema): PersistedGate {
  let gate = gates.get(deps);
  if (!gate) {
    gate = new PersistedGate(deps, schema);
    gates.set(deps, gate);
  }
  return gate;
}

export type HttpPersisted =
  | { kind: 'go'; body: unknown; search: string }
  | { kind: 'refused'; code: string; status: number; body: { errors: { message: string; extensions: { code: string } }[] } };

const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/** The request with its persisted operation put in `query`, or the refusal to send. GET parameters and batched bodies too. */
export async function persistedHttpRequest(
  deps: AppDeps,
  request: { method: string | undefined; body: unknown; search: string; viewer: Viewer | null; log: Logger },
): Promise<HttpPersisted> {
  const gate = gateOf(deps, graphSchema());
  const meta = { log: request.log, transport: 'http' as const };
  const go = { kind: 'go' as const, body: request.body, search: request.search };

  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    let extensions: unknown;
    try {
      extensions = params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined;
    } catch {
      // Apollo answers a malformed `extensions` parameter.
      return go;
    }
    const fields: OperationRequest = {
      query: params.get('query') ?? undefined,
      operationName: params.get('operationName') ?? undefined,
      documentId: params.get('documentId') ?? undefined,
      extensions,
    };
    if (!gate.applies(fields, request.viewer)) return go;
    const outcome = await gate.resolve(fields, request.viewer, meta);
    if (outcome.kind === 'refused') return refusal(outcome);
    if (outcome.kind === 'resolved') {
      params.set('query', outcome.query);
      params.delete('documentId');
      if (outcome.extensions) params.set('extensions', JSON.stringify(outcome.extensions));
      else params.delete('extensions');
    }
    return { ...go, search: `?${params.toString()}` };
  }

  // A batch (HTTP_BATCHING) is resolved operation by operation; one refusal refuses it whole.
  const operations = Array.isArray(request.body) ? request.body : [request.body];
  const resolved: unknown[] = [];
  for (const operation of operations) {
    if (!isObject(operation) || !gate.applies(operation, request.viewer)) {
      resolved.push(operation);
      continue;
    }
    const outcome = await gate.resolve(operation, request.viewer, meta);
    if (outcome.kind === 'refused') return refusal(outcome);
    resolved.push(outcome.kind === 'resolved' ? withDocument(operation, outcome) : operation);
  }
  return { ...go, body: Array.isArray(request.body) ? resolved : resolved[0] };
}

function withDocument(operation: Record<string, unknown>, outcome: Extract<GateOutcome, { kind: 'resolved' }>): Record<string, unknown> {
  const { documentId: _documentId, extensions: _extensions, ...rest } = operation;
  return { ...rest, query: outcome.query, ...(outcome.extensions ? { extensions: outcome.extensions } : {}) };
}

function refusal(outcome: Extract<GateOutcome, { kind: 'refused' }>): HttpPersisted {
  return { kind: 'refused', code: outcome.code, status: outcome.status, body: { errors: [{ message: outcome.message, extensions: { code: outcome.code } }] } };
}

/** A graphql-ws subscribe payload, mutable: graphql-ws parses `payload.query` after onSubscribe. */
export interface SubscribePayloadFields {
  query: string;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
  documentId?: unknown;
}

/**
 * Whether a subscribe needs its persisted operation looked up (decided without waiting, so
 * that plain documents keep their order through onSubscribe).
 */
export function wsNeedsPersisted(deps: AppDeps, schema: GraphQLSchema, payload: SubscribePayloadFields, viewer: Viewer | null): boolean {
  return gateOf(deps, schema).applies(payload as OperationRequest, viewer);
}

/**
 * Puts the persisted operation of a subscribe into `payload.query` (graphql-ws then parses and
 * validates it as any other), or returns the errors to answer it with.
 */
export async function persistedWsSubscribe(
  deps: AppDeps,
  schema: GraphQLSchema,
  payload: SubscribePayloadFields,
  viewer: Viewer | null,
  log: Logger,
): Promise<readonly GraphQLError[] | null> {
  const outcome = await gateOf(deps, schema).resolve(payload as OperationRequest, viewer, { log, transport: 'ws' });
  if (outcome.kind === 'refused') return [new GraphQLError(outcome.message, { extensions: { code: outcome.code } })];
  if (outcome.kind === 'resolved') {
    payload.query = outcome.query;
    payload.extensions = outcome.extensions ?? null;
    delete payload.documentId;
  }
  return null;
}
