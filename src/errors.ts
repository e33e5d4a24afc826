import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import type { z } from 'zod';
import { CloudError } from './clouds/driver';

/** The error vocabulary of ecsgraph: every error a client sees carries one of these in `extensions.code`. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  RATE_LIMITED: 'RATE_LIMITED',
  /** The request took longer than REQUEST_TIMEOUT_MS and was answered 504 (what it started may still finish). */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_ALLOWED: 'PERSISTED_QUERY_NOT_ALLOWED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FieldProblem {
  field: string;
  message: string;
}

export interface AppErrorDetails {
  /** The input field at fault (BAD_USER_INPUT), as a dotted path from the argument. */
  field?: string;
  /** Every field at fault when there are several. */
  fields?: FieldProblem[];
  /** Seconds until a retry may succeed (RATE_LIMITED). */
  retryAfter?: number;
  /** The limit an operation went over: its setting, its bound and what the operation asked. */
  limit?: { name: string; max: number; found: number };
  /** The datacenter an upstream error came from. */
  datacenter?: string;
  /** The cloud's own code and message. */
  upstream?: { status?: number; code?: string; message?: string };
}

/** An expected failure: its message is written for the client and is shown as is. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: AppErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export const unauthenticated = (message = 'Sign in first.') => new AppError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You may not do this.') => new AppError(ErrorCode.FORBIDDEN, message);
export const notFound = (kind: string) => new AppError(ErrorCode.NOT_FOUND, `${kind} not found.`);
export const conflict = (message: string, field?: string) =>
  new AppError(ErrorCode.CONFLICT, message, field ? { field } : {});
export const badInput = (field: string, message: string) =>
  new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field, fields: [{ field, message }] });
export const quotaExceeded = (field: string, message: string) => new AppError(ErrorCode.QUOTA_EXCEEDED, message, { field });
export const rateLimited = (retryAfter: number) =>
  new AppError(ErrorCode.RATE_LIMITED, `Too many attempts; try again in ${retryAfter} s.`, { retryAfter });

/**
 * Validates `value` with `schema`; on failure throws BAD_USER_INPUT naming every field at
 * fault, prefixed by the argument name (`input.email`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, argument = 'input'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: [argument, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new AppError(ErrorCode.BAD_USER_INPUT, fields.map((f) => `${f.field}: ${f.message}`).join('; '), {
    field: fields[0].field,
    fields,
  });
}


/** One BAD_USER_INPUT naming every field at fault, as parseInput does for the shape of the input. */
export function badFields(problems: FieldProblem[]): AppError {
  return new AppError(ErrorCode.BAD_USER_INPUT, problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
    field: problems[0].field,
    fields: problems,
  });
}

/**
 * Drivers refuse some inputs themselves with `<field>: <problem>` (`subnet.cidr: …`,
 * `rule.portMin: …`); the client should see the field of its own input named, as for the
 * checks made here, with the datacenter and the cloud's words kept.
 */
export function namingInputField(err: unknown, prefixes: string[]): unknown {
  if (!(err instanceof CloudError) || err.code !== 'BAD_USER_INPUT') return err;
  const match = /^([A-Za-z][\w.]*): /.exec(err.message);
  if (!match) return err;
  let path: string | null = match[1];
  for (const prefix of prefixes) {
    if (path === prefix) path = null;
    else if (path?.startsWith(`${prefix}.`)) path = path.slice(prefix.length + 1);
  }
  const field = path ? `input.${path}` : 'input';
  return new AppError(
    ErrorCode.BAD_USER_INPUT,
    `${field}: ${err.message.slice(match[0].length)}`,
    { field, fields: [{ field, message: err.message.slice(match[0].length) }], datacenter: err.datacenter, upstream: err.upstream },
    { cause: err },
  );
}

/**
 * A refusal a driver makes before calling its cloud names the spec's field (`securityGroupIds:
 * …`); it becomes BAD_USER_INPUT naming the input's field.
 */
export function asInputError(err: unknown, fields: Record<string, string>): unknown {
  if (!(err instanceof CloudError) || err.code !== 'BAD_USER_INPUT') return err;
  const match = /^(\w+): ([\s\S]*)$/.exec(err.message);
  const field = match && fields[match[1]];
  if (!field) return err;
  const mapped = badInput(field, match[2]);
  Object.assign(mapped.details, { datacenter: err.datacenter });
  return mapped;
}

/** Codes GraphQL itself and Apollo give to malformed requests; they pass through unchanged. */
const PROTOCOL_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export interface ErrorMappingOptions {
  /** Show the message of unexpected errors (development only). */
  exposeUnexpected: boolean;
}

/** False for a bug or an unplanned failure: such errors are logged and masked. */
export function isExpectedError(raw: unknown): boolean {
  const error = unwrap(raw);
  if (error instanceof AppError || error instanceof CloudError || error instanceof AuthenticationError || error instanceof AuthorizationError) {
    return true;
  }
  const code = raw instanceof GraphQLError ? raw.extensions?.code : undefined;
  return typeof code === 'string' && PROTOCOL_CODES.has(code) && isProtocolError(raw);
}

/**
 * The one place where any error becomes what a client sees. Expected errors keep their
 * message and code; anything else is masked (and logged by the server, see isExpectedError).
 */
export function toClientError(
  formatted: GraphQLFormattedError,
  raw: unknown,
  options: ErrorMappingOptions,
): GraphQLFormattedError {
  const error = unwrap(raw);
  const base = { locations: formatted.locations, path: formatted.path };

  if (error instanceof AppError) {
    return { ...base, message: error.message, extensions: { code: error.code, ...definedOnly(error.details) } };
  }
  if (error instanceof CloudError) {
    return {
      ...base,
      message: error.message,
      extensions: { code: error.code, datacenter: error.datacenter, upstream: definedOnly(error.upstream) },
    };
  }
  if (error instanceof AuthenticationError) {
    return { ...base, message: 'Sign in first.', extensions: { code: ErrorCode.UNAUTHENTICATED } };
  }
  if (error instanceof AuthorizationError) {
    return { ...base, message: 'You may not do this.', extensions: { code: ErrorCode.FORBIDDEN } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PROTOCOL_CODES.has(code) && isProtocolError(raw)) {
    return { ...base, message: formatted.message, extensions: { code } };
  }
  return {
    ...base,
    message: options.exposeUnexpected && error instanceof Error ? error.message : 'Unexpected error.',
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/**
 * The error behind a GraphQLError: a resolver's (Apollo's unwrap), or one of ours raised
 * outside a resolver (a limit checked before execution) and carried as originalError.
 */
function unwrap(raw: unknown): unknown {
  const error = unwrapResolverError(raw);
  if (error instanceof GraphQLError && (error.originalError instanceof AppError || error.originalError instanceof CloudError)) return error.originalError;
  return error;
}

/** A GraphQLError raised by parsing, validation or variable coercion, not by a resolver. */
function isProtocolError(raw: unknown): boolean {
  return raw instanceof GraphQLError && (raw.originalError === undefined || raw.originalError === null || raw.originalError instanceof GraphQLError);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Postgres unique violation (SQLSTATE 23505), from postgres.js or PGlite. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = findPgError(error);
  return !!e && e.code === '23505' && (!constraint || e.constraint === constraint || e.constraint_name === constraint);
}

function findPgError(error: unknown): { code?: string; constraint?: string; constraint_name?: string } | null {
  let current: unknown = error;
  for (let i = 0; i < 5 && current && typeof current === 'object'; i++) {
    const c = current as { code?: unknown; cause?: unknown };
    if (typeof c.code === 'string' && /^[0-9A-Z]{5}$/.test(c.code)) return c as never;
    current = c.cause;
  }
  return null;
}
