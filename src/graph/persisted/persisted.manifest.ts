import { Kind, parse, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { z } from 'zod';
import { badFields, parseInput, type FieldProblem } from '../../errors';
import { canonicalDocument, sha256, SHA256_PATTERN } from './persisted.document';

/** Apollo's persisted query manifest: what `npm run codegen` writes to operations/generated/persisted-operations.json. */
export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

/** Most operations one manifest may hold. */
export const MAX_MANIFEST_OPERATIONS = 5000;

export type OperationType = 'query' | 'mutation' | 'subscription';

/** One operation of a manifest, checked: its id is the sha256 of its body. */
export interface ManifestOperation {
  id: string;
  name: string;
  type: OperationType;
  body: string;
  /** sha256 of the body's canonical form (see canonicalDocument). */
  normalizedSha256: string;
}

const name = (what: string) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'at most 100 characters')
    .regex(/^[A-Za-z0-9][\w.@+-]*$/, `${what}: letters, digits and . _ - @ + only, starting with a letter or digit`);

export const registrationRule = z.object({ clientName: name('a client name'), version: name('a version') });

const manifestRule = z.object({
  format: z.literal(MANIFEST_FORMAT, { message: `must be "${MANIFEST_FORMAT}"` }),
  version: z.literal(1, { message: 'must be 1' }),
  operations: z
    .array(
      z.object({
        id: z.string({ message: 'must be a string' }).regex(SHA256_PATTERN, 'must be the sha256 of the body, as 64 lowercase hex digits'),
        name: z.string({ message: 'must be a string' }).min(1, 'must not be empty').max(200, 'at most 200 characters'),
        type: z.enum(['query', 'mutation', 'subscription'], { message: 'must be query, mutation or subscription' }),
        body: z.string({ message: 'must be a string' }).min(1, 'must not be empty').max(100_000, 'at most 100000 characters'),
      }),
      { message: 'must be a list of operations' },
    )
    .min(1, 'name at least one operation')
    .max(MAX_MANIFEST_OPERATIONS, `at most ${MAX_MANIFEST_OPERATIONS} operations`),
});

/**
 * A manifest checked whole: its format, and for every operation that its id is the sha256 of
 * its body, that the body parses, holds exactly that one operation (name and type as given)
 * and the fragments it uses, and validates against `schema`. Problems name their field
 * (`manifest.operations.3.body`), every one of them in one BAD_USER_INPUT.
 */
export function checkManifest(manifest: unknown, schema: GraphQLSchema, argument = 'manifest'): ManifestOperation[] {
  const shape = parseInput(manifestRule, manifest, argument);
  const problems: FieldProblem[] = [];
  const operations: ManifestOperation[] = [];
  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  shape.operations.forEach((op, index) => {
    const at = (field: string) => `${argument}.operations.${index}.${field}`;
    const problem = (field: string, message: string) => problems.push({ field: at(field), message });
    if (ids.has(op.id)) problem('id', `the same operation as operations.${ids.get(op.id)}`);
    else ids.set(op.id, index);
    if (names.has(op.name)) problem('name', `the same name as operations.${names.get(op.name)}`);
    else names.set(op.name, index);
    if (sha256(op.body) !== op.id) problem('id', 'is not the sha256 of the body');

    let document: DocumentNode;
    try {
      document = parse(op.body, { noLocation: true });
    } catch (err) {
      problem('body', `does not parse: ${(err as Error).message}`);
      return;
    }
    const definitions = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (definitions.length !== 1 || document.definitions.some((d) => d.kind !== Kind.OPERATION_DEFINITION && d.kind !== Kind.FRAGMENT_DEFINITION)) {
      problem('body', 'must hold exactly one operation and the fragments it uses');
      return;
    }
    const [definition] = definitions;
    if (definition.name?.value !== op.name) problem('name', `must be the operation's name (${definition.name?.value ?? 'anonymous'})`);
    if (definition.operation !== op.type) problem('type', `must be the operation's type (${definition.operation})`);
    const [invalid] = validate(schema, document);
    if (invalid) {
      problem('body', `does not validate against the schema: ${invalid.message}`);
      return;
    }
    operations.push({ ...op, normalizedSha256: sha256(canonicalDocument(document)) });
  });
  if (problems.length) throw badFields(problems);
  return operations;
}
