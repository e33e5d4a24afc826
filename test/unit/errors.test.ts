import { ApolloServer } from '@apollo/server';
import { thrownAppError } from '../support/errors';
import { GraphQLError, Source, type GraphQLFormattedError } from 'graphql';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { z } from 'zod';
import {
  AppError,
  ErrorCode,
  isExpectedError,
  isUniqueViolation,
  parseInput,
  toClientError,
  type AppErrorDetails,
} from '../../src/errors';

const MASKED = { exposeUnexpected: false };
const EXPOSED = { exposeUnexpected: true };

/**
 * What graphql-js makes of an error thrown in a resolver (locatedError): a GraphQLError with
 * the resolver's path and locations, holding the thrown error as originalError.
 */
function asResolverError(thrown: Error): GraphQLError {
  return new GraphQLError(thrown.message, {
    originalError: thrown,
    path: ['createUser'],
    source: new Source('mutation { createUser }'),
    positions: [11],
  });
}

/**
 * The formatted error Apollo hands to formatError: code defaulted to INTERNAL_SERVER_ERROR and,
 * as with includeStacktraceInErrorResponses, a stack trace that must never reach the client.
 */
function apolloFormatted(raw: unknown): GraphQLFormattedError {
  const error = raw instanceof GraphQLError ? raw : new GraphQLError((raw as Error).message, { originalError: raw as Error });
  const json = error.toJSON();
  return {
    ...json,
    extensions: {
      ...json.extensions,
      code: json.extensions?.code ?? 'INTERNAL_SERVER_ERROR',
      stacktrace: ((error.originalError ?? error).stack ?? '').split('\n'),
    },
  };
}

const map = (raw: unknown, options = MASKED) => toClientError(apolloFormatted(raw), raw, options);

/** No trace of a stack in what the client receives. */
function expectNoStack(out: GraphQLFormattedError) {
  const json = JSON.stringify(out);
  expect(json).not.toMatch(/stack/i);
  expect(json).not.toMatch(/\bat .*\(.*:\d+:\d+\)/);
  expect(json).not.toContain('.ts:');
}

const FULL_DETAILS: Required<AppErrorDetails> = {
  field: 'input.name',
  fields: [
    { field: 'input.name', message: 'is taken' },
    { field: 'input.email', message: 'is invalid' },
  ],
  retryAfter: 42,
  upstream: { status: 409, code: 'Conflict', message: 'Quota exceeded for instances' },
  datacenter: 'dc-paris-1',
  limit: { name: 'MAX_COST', max: 41, found: 43 },
};

describe('toClientError: AppError', () => {
  const codes = Object.values(ErrorCode);

  it.each(codes)('%s thrown directly keeps its code, message and details', (code) => {
    const out = map(new AppError(code, `message for ${code}`, FULL_DETAILS));
    expect(out.message).toBe(`message for ${code}`);
    expect(out.extensions).toStrictEqual({ code, ...FULL_DETAILS });
    expectNoStack(out);
  });

  it.each(codes)('%s thrown in a resolver maps the same, keeping path and locations', (code) => {
    const out = map(asResolverError(new AppError(code, `message for ${code}`, FULL_DETAILS)));
    expect(out.message).toBe(`message for ${code}`);
    expect(out.extensions).toStrictEqual({ code, ...FULL_DETAILS });
    expect(out.path).toEqual(['createUser']);
    expect(out.locations).toEqual([{ line: 1, column: 12 }]);
    expectNoStack(out);
  });

  it.each(codes)('%s is an expected error, direct or wrapped', (code) => {
    expect(isExpectedError(new AppError(code, 'x'))).toBe(true);
    expect(isExpectedError(asResolverError(new AppError(code, 'x')))).toBe(true);
  });

  it('copies only the details that are set', () => {
    const out = map(asResolverError(new AppError(ErrorCode.RATE_LIMITED, 'Slow down.', { retryAfter: 7, field: undefined })));
    expect(out.extensions).toStrictEqual({ code: 'RATE_LIMITED', retryAfter: 7 });
  });

  it('does not leak the cause of an AppError', () => {
    const cause = new Error('ECONNREFUSED 10.0.0.5:5000 with X-Auth-Token: gAAAAB-secret');
    const out = map(asResolverError(new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The cloud is unreachable.', { datacenter: 'dc1' }, { cause })));
    expect(out.message).toBe('The cloud is unreachable.');
    expect(JSON.stringify(out)).not.toContain('ECONNREFUSED');
    expect(JSON.stringify(out)).not.toContain('gAAAAB');
  });
});

describe('toClientError: type-graphql authorization errors', () => {
  it('AuthenticationError becomes UNAUTHENTICATED', () => {
    for (const raw of [new AuthenticationError(), asResolverError(new AuthenticationError())]) {
      const out = map(raw);
      expect(out.extensions).toStrictEqual({ code: 'UNAUTHENTICATED' });
      expect(out.message).toBe('Sign in first.');
      expect(isExpectedError(raw)).toBe(true);
    }
  });

  it('AuthorizationError becomes FORBIDDEN, not type-graphql\'s UNAUTHORIZED', () => {
    for (const raw of [new AuthorizationError(), asResolverError(new AuthorizationError())]) {
      const out = map(raw);
      expect(out.extensions).toStrictEqual({ code: 'FORBIDDEN' });
      expect(out.message).toBe('You may not do this.');
      expect(isExpectedError(raw)).toBe(true);
    }
  });
});

describe('toClientError: protocol errors', () => {
  it.each([
    ['GRAPHQL_PARSE_FAILED', 'Syntax Error: Expected Name, found <EOF>.'],
    ['GRAPHQL_VALIDATION_FAILED', 'Cannot query field "nope" on type "Query".'],
    ['BAD_USER_INPUT', 'Variable "$n" got invalid value "abc"; Int cannot represent non-integer value: "abc"'],
  ])('%s keeps its code and message', (code, message) => {
    const raw = new GraphQLError(message, { extensions: { code } });
    const out = map(raw);
    expect(out.message).toBe(message);
    expect(out.extensions).toStrictEqual({ code });
    expect(isExpectedError(raw)).toBe(true);
  });

  it('also when graphql-js nested the coercion error inside another GraphQLError', () => {
    const inner = new GraphQLError('Int cannot represent non-integer value: "abc"');
    const raw = new GraphQLError('Variable "$n" got invalid value "abc"', { originalError: inner, extensions: { code: 'BAD_USER_INPUT' } });
    expect(map(raw).extensions).toStrictEqual({ code: 'BAD_USER_INPUT' });
    expect(isExpectedError(raw)).toBe(true);
  });

  it('a resolver failure cannot pass for a protocol error by carrying a protocol code', () => {
    const thrown = Object.assign(new Error('relation "users" does not exist'), { extensions: { code: 'BAD_USER_INPUT' } });
    const raw = asResolverError(thrown);
    expect(raw.extensions.code).toBe('BAD_USER_INPUT');
    const out = map(raw);
    expect(out.extensions).toStrictEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(out.message).toBe('Unexpected error.');
    expect(isExpectedError(raw)).toBe(false);
  });

  it('a GraphQLError with a code outside the protocol set is masked', () => {
    const raw = new GraphQLError('internal detail', { extensions: { code: 'SOMETHING_ELSE' } });
    expect(map(raw)).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(isExpectedError(raw)).toBe(false);
  });
});

describe('toClientError: unexpected errors', () => {
  const bug = () => new TypeError("Cannot read properties of undefined (reading 'password_hash')");

  it('masks a plain Error thrown in a resolver', () => {
    const raw = asResolverError(bug());
    const out = map(raw);
    expect(out.message).toBe('Unexpected error.');
    expect(out.extensions).toStrictEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(out.path).toEqual(['createUser']);
    expect(JSON.stringify(out)).not.toContain('password_hash');
    expectNoStack(out);
    expect(isExpectedError(raw)).toBe(false);
  });

  it('masks a plain Error that was not wrapped', () => {
    const raw = bug();
    expect(map(raw)).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(isExpectedError(raw)).toBe(false);
  });

  it('shows the message, still without a stack, when exposeUnexpected is set', () => {
    const out = map(asResolverError(bug()), EXPOSED);
    expect(out.message).toBe("Cannot read properties of undefined (reading 'password_hash')");
    expect(out.extensions).toStrictEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expectNoStack(out);
  });

  it('masks a thrown non-Error even when exposing', () => {
    const out = toClientError({ message: 'Unexpected error value: "oops"' }, 'oops', EXPOSED);
    expect(out).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(isExpectedError('oops')).toBe(false);
    expect(isExpectedError(null)).toBe(false);
  });
});

describe('toClientError inside a real Apollo server', () => {
  // End to end through graphql-js and Apollo, so the wrapping assumed above is the real one.
  const seen: { code: unknown; expected: boolean }[] = [];
  const server = new ApolloServer({
    typeDefs: 'type Query { fail(kind: String!): Int  echo(n: Int!): Int }',
    resolvers: {
      Query: {
        fail: (_: unknown, { kind }: { kind: string }) => {
          if (kind === 'app') throw new AppError(ErrorCode.CONFLICT, 'That name is taken.', { field: 'input.name' });
          if (kind === 'input') return parseInput(z.object({ name: z.string().min(3) }), { name: 'x' });
          if (kind === 'authn') throw new AuthenticationError();
          if (kind === 'authz') throw new AuthorizationError();
          throw new Error('connect ECONNREFUSED 10.1.2.3:5432');
        },
        echo: (_: unknown, { n }: { n: number }) => n,
      },
    },
    includeStacktraceInErrorResponses: true,
    formatError: (formatted, error) => toClientError(formatted, error, MASKED),
    plugins: [
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ errors }) {
              for (const e of errors) seen.push({ code: e.extensions?.code, expected: isExpectedError(e) });
            },
          };
        },
      },
    ],
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    seen.length = 0;
  });

  async function run(query: string, variables?: Record<string, unknown>) {
    const res = await server.executeOperation({ query, variables });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    const errors = res.body.singleResult.errors ?? [];
    expect(errors).toHaveLength(1);
    errors.forEach(expectNoStack);
    return errors[0];
  }

  it('AppError from a resolver', async () => {
    const error = await run('{ fail(kind: "app") }');
    expect(error).toMatchObject({ message: 'That name is taken.', path: ['fail'], extensions: { code: 'CONFLICT', field: 'input.name' } });
    expect(seen.map((s) => s.expected)).toEqual([true]);
  });

  it('parseInput failure from a resolver', async () => {
    const error = await run('{ fail(kind: "input") }');
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect(seen.map((s) => s.expected)).toEqual([true]);
  });

  it('type-graphql errors from a resolver', async () => {
    expect((await run('{ fail(kind: "authn") }')).extensions).toStrictEqual({ code: 'UNAUTHENTICATED' });
    expect((await run('{ fail(kind: "authz") }')).extensions).toStrictEqual({ code: 'FORBIDDEN' });
    expect(seen.map((s) => s.expected)).toEqual([true, true]);
  });

  it('a crash in a resolver is masked and reported as unexpected', async () => {
    const error = await run('{ fail(kind: "crash") }');
    expect(error).toMatchObject({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(error)).not.toContain('ECONNREFUSED');
    expect(seen.map((s) => s.expected)).toEqual([false]);
  });

  it('parse, validation and variable errors keep their code and message', async () => {
    const parse = await run('{ fail(kind: ');
    expect(parse.extensions).toStrictEqual({ code: 'GRAPHQL_PARSE_FAILED' });
    expect(parse.message).toMatch(/^Syntax Error/);

    const validation = await run('{ nope }');
    expect(validation.extensions).toStrictEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(validation.message).toContain('"nope"');

    const variables = await run('query ($n: Int!) { echo(n: $n) }', { n: 'abc' });
    expect(variables.extensions).toStrictEqual({ code: 'BAD_USER_INPUT' });
    expect(variables.message).toContain('$n');

    expect(seen).toEqual([
      { code: 'GRAPHQL_PARSE_FAILED', expected: true },
      { code: 'GRAPHQL_VALIDATION_FAILED', expected: true },
      { code: 'BAD_USER_INPUT', expected: true },
    ]);
  });
});

describe('parseInput', () => {
  const schema = z.object({
    name: z.string().trim().min(3),
    email: z.email(),
    quota: z.object({ cores: z.number().int().positive() }),
    tags: z.array(z.string()).optional(),
  });


  it('returns the parsed value on success', () => {
    const value = parseInput(schema, { name: '  web  ', email: 'a@example.com', quota: { cores: 4 } });
    expect(value).toEqual({ name: 'web', email: 'a@example.com', quota: { cores: 4 } });
  });

  it('names every failing field, prefixed by the argument name', () => {
    const error = thrownAppError(() => parseInput(schema, { name: 'x', email: 'nope', quota: { cores: -1 }, tags: ['ok', 5] }));
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    const fields = error.details.fields!.map((f) => f.field);
    expect(fields.sort()).toEqual(['input.email', 'input.name', 'input.quota.cores', 'input.tags.1']);
    expect(fields).toContain(error.details.field);
    for (const f of fields) expect(error.message).toContain(`${f}: `);
    expect(error.details.fields!.every((f) => f.message.length > 0)).toBe(true);
  });

  it('uses the given argument name', () => {
    const error = thrownAppError(() => parseInput(schema, { name: 'web', email: 'a@example.com', quota: {} }, 'spec'));
    expect(error.details).toEqual({ field: 'spec.quota.cores', fields: [{ field: 'spec.quota.cores', message: expect.any(String) }] });
    expect(error.message.startsWith('spec.quota.cores: ')).toBe(true);
  });

  it('names the argument itself when the whole value is wrong', () => {
    expect(thrownAppError(() => parseInput(schema, 'not an object')).details.field).toBe('input');
  });
});

describe('isUniqueViolation', () => {
  const pg = (extra: Record<string, unknown> = {}) => Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505', ...extra });

  it('detects SQLSTATE 23505', () => {
    expect(isUniqueViolation(pg())).toBe(true);
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
  });

  it('matches the constraint by postgres.js `constraint` or PGlite `constraint_name`', () => {
    expect(isUniqueViolation(pg({ constraint: 'users_username_key' }), 'users_username_key')).toBe(true);
    expect(isUniqueViolation(pg({ constraint_name: 'users_username_key' }), 'users_username_key')).toBe(true);
    expect(isUniqueViolation(pg({ constraint: 'users_email_key' }), 'users_username_key')).toBe(false);
    expect(isUniqueViolation(pg(), 'users_username_key')).toBe(false);
  });

  it('finds it in the cause chain (drizzle wraps driver errors)', () => {
    const wrapped = new Error('Failed query: insert into users', { cause: pg({ constraint: 'users_email_key' }) });
    expect(isUniqueViolation(wrapped)).toBe(true);
    expect(isUniqueViolation(wrapped, 'users_email_key')).toBe(true);
    expect(isUniqueViolation(wrapped, 'users_username_key')).toBe(false);
    expect(isUniqueViolation(new Error('outer', { cause: new Error('middle', { cause: pg() }) }))).toBe(true);
  });

  it('is false for other errors', () => {
    expect(isUniqueViolation(pg({ code: '23503' }))).toBe(false);
    expect(isUniqueViolation(new Error('duplicate key'))).toBe(false);
    expect(isUniqueViolation(new Error('wrapped', { cause: pg({ code: '23502' }) }))).toBe(false);
    expect(isUniqueViolation(new AppError(ErrorCode.CONFLICT, 'taken'))).toBe(false);
    expect(isUniqueViolation(null)).toBe(false);
    expect(isUniqueViolation('23505')).toBe(false);
  });
});
