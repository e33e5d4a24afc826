import { execute, parse, validate, type DocumentNode } from 'graphql';
import { ladder, serve, type Request } from './serve';

/** L2: graphql-js's execute over the in-memory tree, each document parsed and validated once. */
const { tree, schema: build } = ladder();
const schema = build();
const documents = new Map<string, DocumentNode>();

serve(async (body) => {
  const request = JSON.parse(body) as Request;
  let document = documents.get(request.query);
  if (!document) {
    document = parse(request.query);
    const errors = validate(schema, document);
    if (errors.length) throw new Error(JSON.stringify(errors));
    documents.set(request.query, document);
  }
  const result = await execute({ schema, document, rootValue: tree, variableValues: request.variables, operationName: request.operationName });
  return JSON.stringify(result) + '\n';
});
