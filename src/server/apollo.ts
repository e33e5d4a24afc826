import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { isExpectedError, toClientError } from '../errors';
import type { Context } from '../graph/context';
import type { Logger } from '../logger';
import { operationLabel, type Metrics } from './metrics';

export interface ApolloOptions {
  schema: GraphQLSchema;
  log: Logger;
  metrics: Metrics;
  /** Show messages of unexpected errors (development only). */
  exposeUnexpected: boolean;
}

export function createApollo(options: ApolloOptions): ApolloServer<Context> {
  return new ApolloServer<Context>({
    schema: options.schema,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    formatError: (formatted, error) => toClientError(formatted, error, { exposeUnexpected: options.exposeUnexpected }),
    plugins: [ApolloServerPluginLandingPageDisabled(), observe(options.metrics, options.log)],
  });
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
