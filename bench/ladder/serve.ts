import fs from 'node:fs';
import http from 'node:http';
import { buildSchema, type GraphQLSchema } from 'graphql';

/*
 * What the rungs of the throughput ladder (bench/throughput.ts) share: a node:http server on
 * PORT answering POST /graphql with what `answer` makes of the body, and /readyz. The answer
 * the gateway gave is in LADDER_ANSWER (a file); its data is the in-memory tree the GraphQL
 * rungs resolve over, with the gateway's own schema (LADDER_SCHEMA, schema.graphql).
 */

export interface Ladder {
  /** The gateway's answer, byte for byte. */
  answer: Buffer;
  /** Its `data`: the tree the rungs resolve over (default resolvers read its properties). */
  tree: Record<string, unknown>;
  schema(): GraphQLSchema;
}

export function ladder(): Ladder {
  const answer = fs.readFileSync(required('LADDER_ANSWER'));
  const tree = (JSON.parse(answer.toString('utf8')) as { data: Record<string, unknown> }).data;
  return { answer, tree, schema: () => buildSchema(fs.readFileSync(required('LADDER_SCHEMA'), 'utf8')) };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** The GraphQL request of a POST body: what the load generator sends ({ query }). */
export interface Request {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** A node:http server on PORT: /readyz, and every other request to `handle` with its whole body; it closes on SIGTERM. */
export function listen(handle: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): void {
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz') {
      res.end('ready');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

export function serve(answer: (body: string) => Buffer | string | Promise<Buffer | string>): void {
  listen((_req, body, res) => {
    Promise.resolve()
      .then(() => answer(body))
      .then(
        (out) => {
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
          res.end(out);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
  });
}
