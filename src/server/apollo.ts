import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, NoSchemaIntrospectionCustomRule, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { isExpectedError, toClientError } from '../errors';
import type { Context } from '../graph/context';
import type { Logger } from '../logger';
import { costError, explainTokens, limitRules, mayIntrospect, nulCharacterError, operationCost, stripSuggestions, subscriptionOverHttpError, type QueryLimits } from './limits';
import { jitGateway } from './executor';
import { operationLabel, type Metrics } from './metrics';

export interface ApolloOptions {
  schema: GraphQLSchema;
  log: Logger;
  metrics: Metrics;
  /** Show messages of unexpected errors (development only). */
  exposeUnexpected: boolean;
  limits: QueryLimits;
  /** Development: introspection and field suggestions for everyone. */
  development: boolean;
  /** GRAPHQL_EXECUTOR: graphql-jit's compiled operations (src/server/executor.ts) or graphql-js's execute. */
  executor: 'jit' | 'graphql-js';
}

export function createApollo(options: ApolloOptions): ApolloServer<Context> {
  return new ApolloServer<Context>({
    ...(options.executor === 'jit' ? { gateway: jitGateway(options.schema) } : { schema: options.schema }),
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // Batches are refused (HTTP_BATCHING off) or bounded (HTTP_BATCH_MAX) by the HTTP handler before Apollo sees them.
    allowBatchedHttpRequests: true,
    persistedQueries: false, // APQ and manifest operations are resolved before Apollo runs (src/server/persisted.ts)
    formatError: (formatted, error) => toClientError(formatted, error, { exposeUnexpected: options.exposeUnexpected }),
    // graphql-js stops reading a document past this many tokens (before any other work).
    parseOptions: { maxTokens: options.limits.maxTokens },
    validationRules: limitRules(options.limits),
    // Cache control is on by default and hooks every field (willResolveField, which makes Apollo
    // wrap every resolver of the schema); nothing here sets cache hints or caches answers. Usage
    // reporting is not used either. No plugin here hooks fields.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      guard(options),
      observe(options.metrics, options.log),
    ],
  });
}

/**
 * What depends on the caller or the variables, after validation: introspection (admins, and
 * everyone in development), the cost with the variables' page sizes, and field suggestions
 * in error messages (admins and development only).
 */
function guard(options: ApolloOptions): ApolloServerPlugin<Context> {
  const refused = (message: string, code: string, extensions: Record<string, unknown> = {}) =>
    new GraphQLError(message, { extensions: { ...extensions, code, http: { status: 400 } } });
  return {
    async requestDidStart({ contextValue }) {
      const open = mayIntrospect(contextValue.viewer, options.development);
      return {
        async didResolveOperation({ document, request, operation }) {
          if (operation?.operation === 'subscription') throw subscriptionOverHttpError();
          if (!open) {
            const introspection = introspectionError(options.schema, document);
            if (introspection) throw refused(`${introspection.message} Introspection is for administrators.`, 'GRAPHQL_VALIDATION_FAILED');
          }
          const nul = nulCharacterError(document, request.variables, true);
          if (nul) throw nul;
          const tooCostly = costError(options.limits, operationCost(options.schema, document, request.operationName, request.variables), true);
          if (tooCostly) throw tooCostly;
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (result.errors) result.errors = result.errors.map((e) => ({ ...e, message: open ? explainTokens(e.message) : stripSuggestions(explainTokens(e.message)) }));
        },
      };
    },
  };
}

/**
 * Whether a document asks for introspection, once per document: Apollo's document store hands
 * back the same parsed document for the same text, so a document sent again is not walked again.
 */
const introspection = new WeakMap<DocumentNode, GraphQLError | null>();
function introspectionError(schema: GraphQLSchema, document: DocumentNode): GraphQLError | null {
  let found = introspection.get(document);
  if (found === undefined) {
    found = validate(schema, document, [NoSchemaIntrospectionCustomRule])[0] ?? null;
    introspection.set(document, found);
  }
  return found;
}

/** One structured log record and one metric sample per operation; unexpected errors logged in full. */
function observe(metrics: Metrics, log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (!isExpectedError(error)) {
              contextValue.log.error({ err: error.originalError ?? error, path: error.path }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ operationName, contextValue, response }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          // The errors as the client sees them, after the mapper: their codes are the vocabulary.
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const outcome = errors?.length ? String(errors[0].extensions?.code ?? 'ERROR') : 'ok';
          const operation = operationLabel(operationName);
          metrics.observe(operation, outcome, seconds);
          (contextValue?.log ?? log).info(
            { operation, outcome, durationMs: Math.round(seconds * 1000), userId: contextValue?.viewer?.userId },
            'graphql',
          );
        },
      };
    },
  };
}
