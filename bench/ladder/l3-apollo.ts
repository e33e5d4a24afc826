import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ladder, listen } from './serve';

/**
 * L3: Apollo Server 5 with its defaults (its document cache included) but usage reporting and
 * cache control off, over the in-memory tree, on node:http as the gateway wires it.
 */
const { tree, schema: build } = ladder();
const apollo = new ApolloServer({
  schema: build(),
  rootValue: tree,
  plugins: [ApolloServerPluginUsageReportingDisabled(), ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
});

async function main() {
  await apollo.start();
  listen((req, body, res) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    apollo
      .executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body: JSON.parse(body) },
        context: async () => ({}),
      })
      .then(async (response) => {
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') return void res.end(response.body.string);
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
  });
}

void main();
