import http from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { ladder } from './serve';

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
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz') {
      res.end('ready');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      apollo
        .executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) },
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
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

void main();
