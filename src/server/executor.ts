import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { execute, getVariableValues, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema, type SourceLocation } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * graphql-jit as the executor of Apollo Server (GRAPHQL_EXECUTOR=jit): each operation is
 * compiled once into a function that walks the selection, calls the schema's own resolvers and
 * coerces the variables, in place of graphql-js interpreting the document for every request
 * (for every field: an info object, an argument object, a promise check). Apollo still parses,
 * validates, runs the plugins and formats the errors; only execution changes. The one way to
 * hand Apollo another executor is its gateway interface, so the schema comes through it too.
 *
 * Compiled operations are kept by parsed document: Apollo's document store answers the same
 * text with the same document, so they live as long as it keeps the document.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  const compiled = new WeakMap<DocumentNode, Map<string | null, CompiledQuery | ExecutionResult>>();
  const compiledFor = (document: DocumentNode, operationName: string | null): CompiledQuery | ExecutionResult => {
    let byOperation = compiled.get(document);
    if (!byOperation) compiled.set(document, (byOperation = new Map()));
    let query = byOperation.get(operationName);
    if (!query) byOperation.set(operationName, (query = compileQuery(schema, document, operationName ?? undefined)));
    return query;
  };
  const executor: GatewayExecutor = async (request) => {
    const variables = request.request.variables ?? {};
    // The name the client sent (the context's own operationName is that of the operation Apollo found, or null).
    const operationName = request.request.operationName ?? null;
    const interpreted = () => execute({ schema, document: request.document, operationName, variableValues: variables, contextValue: request.context });
    // No operation to run (Apollo found none of that name): graphql-js says so, as it always has.
    if (!request.operation) return interpreted();
    const query = compiledFor(request.document, operationName);
    // An operation graphql-jit cannot compile runs as graphql-js runs it (its errors, if it fails, are graphql-js's).
    if (!isCompiledQuery(query)) return interpreted();
    const result = await query.query(undefined, request.context, variables);
    if (result.data === undefined && result.errors?.length) {
      // Variables that do not fit their types: graphql-js's own errors (they name the variable
      // and carry its definition, which is how Apollo tells BAD_USER_INPUT).
      const coerced = getVariableValues(schema, request.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
      if (coerced.errors?.length) return { errors: coerced.errors };
    }
    return withGraphQLErrors(result);
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    load: async () => ({ executor }),
    stop: async () => undefined,
  };
}

/**
 * graphql-jit's errors are its own objects: graphql-js's prototype, but no `extensions` object
 * when the thrown error has none (Apollo reads extensions.code of every error) and locations
 * instead of nodes. Rebuilt as graphql-js's own, with the same message, locations, path,
 * extensions and original error (and errors before data), so that Apollo, the error mapper and
 * the client see what graphql-js would have given them.
 */
function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  // errors before data, as graphql-js writes them: the same bytes either way.
  const { errors, ...rest } = result;
  return {
    errors: errors!.map((e) => {
      const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined, extensions: e.extensions ?? undefined });
      if (e.locations?.length) (error as { locations?: readonly SourceLocation[] }).locations = e.locations;
      return error;
    }),
    ...rest,
  };
}
