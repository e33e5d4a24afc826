import { Arg, Extensions, Mutation, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import { AppError } from '../../errors';
import { CHECKS_SCOPES, checkAccess, type Access } from '../access';
import type { Context, Viewer } from '../context';
import { User } from '../user/user.type';

type ReturnTypeFunc = Parameters<typeof Mutation>[0];

/** Argument keys whose values never reach the audit log. */
const SECRET_KEY = /pass(word)?|secret|token|api_?key|private/i;

export interface AuditedMutationOptions {
  access: Access;
  description?: string;
  nullable?: boolean;
}

/**
 * Declares a mutation whose every call — allowed, refused or failed — writes one audit row.
 * Access is checked inside the audit, so refused calls are recorded too.
 */
export function AuditedMutation(returns: ReturnTypeFunc, options: AuditedMutationOptions): MethodDecorator {
  return (target, key, descriptor) => {
    Mutation(returns, { description: options.description, nullable: options.nullable })(target, key, descriptor);
    Extensions({ [CHECKS_SCOPES]: true })(target, key, descriptor);
    if (options.access === 'PUBLIC') {
      UseMiddleware(audit, requireAccess(options.access))(target, key, descriptor);
      return;
    }
    // Every signed-in mutation takes `idempotencyKey`; the resolver never sees it (it is handled
    // here), so it is declared past the method's own parameters.
    Arg('idempotencyKey', () => String, {
      nullable: true,
      description: 'The same key, by the same user, for the same call, answers with the first call’s result instead of doing it again (24 h).',
    })(target, key, IDEMPOTENCY_PARAMETER);
    UseMiddleware(audit, requireAccess(options.access), idempotent)(target, key, descriptor);
  };
}

/** Past any resolver's own parameters: type-graphql passes parameters in index order. */
const IDEMPOTENCY_PARAMETER = 1000;

const idempotent: MiddlewareFn<Context> = ({ context, args, info }, next) => {
  const key = args.idempotencyKey as string | null | undefined;
  if (key === null || key === undefined) return next();
  return context.services.idempotency.run(context, info.fieldName, key, args, next);
};

const requireAccess =
  (access: Access): MiddlewareFn<Context> =>
  ({ context, info }, next) => {
    checkAccess(context.viewer, access, { operation: 'mutation', name: info.fieldName });
    return next();
  };

const audit: MiddlewareFn<Context> = async ({ context, args, info }, next) => {
  const action = info.fieldName;
  const details = { args: redact(args) };
  try {
    const result = await next();
    await context.services.audit.record({
      viewer: context.viewer ?? signedInBy(result),
      action,
      targetId: targetOf(args, result),
      outcome: 'SUCCESS',
      errorCode: null,
      details,
    });
    return result;
  } catch (err) {
    await context.services.audit.record({
      viewer: context.viewer,
      action,
      targetId: typeof args.id === 'string' ? args.id : null,
      outcome: 'FAILURE',
      errorCode: err instanceof AppError ? err.code : 'INTERNAL_SERVER_ERROR',
      details,
    });
    throw err;
  }
};

/** A sign-in has no viewer yet: its actor is the user it signed in. */
function signedInBy(result: unknown): Viewer | null {
  const user = (result as { user?: unknown } | null)?.user;
  if (!(user instanceof User)) return null;
  return { userId: user.row.id, role: user.row.role, username: user.row.username, sessionId: null, apiKeyId: null };
}

/** The object acted on: the `id` argument, else the id of what the mutation returned. */
function targetOf(args: Record<string, unknown>, result: unknown): string | null {
  if (typeof args.id === 'string') return args.id;
  if (result && typeof result === 'object') {
    const r = result as { id?: unknown; user?: { id?: unknown } };
    if (typeof r.id === 'string') return r.id;
    if (r.user && typeof r.user.id === 'string') return r.user.id;
  }
  return null;
}

/** A copy of the arguments without secret values, for the audit log. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]),
    );
  }
  if (typeof value === 'string' && value.length > 500) return `${value.slice(0, 500)}…`;
  return value;
}
