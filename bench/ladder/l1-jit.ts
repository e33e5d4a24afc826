import { parse } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { ladder, serve, type Request } from './serve';

/**
 * L1, the floor: node:http and graphql-jit, the query compiled once per document text, over
 * the in-memory tree; serialised with JSON.stringify plus the newline Apollo writes, so that
 * the bytes are the gateway's.
 */
const { tree, schema: build } = ladder();
const schema = build();
const compiled = new Map<string, CompiledQuery>();

serve((body) => {
  const request = JSON.parse(body) as Request;
  let query = compiled.get(request.query);
  if (!query) {
    const result = compileQuery(schema, parse(request.query), request.operationName ?? undefined);
    if (!isCompiledQuery(result)) throw new Error(JSON.stringify(result.errors));
    query = result;
    compiled.set(request.query, query);
  }
  const done = query.query(tree, {}, request.variables ?? {});
  return done instanceof Promise ? done.then((r) => JSON.stringify(r) + '\n') : JSON.stringify(done) + '\n';
});
