import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isObjectType,
  Kind,
  parse,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type OperationDefinitionNode,
} from 'graphql';
import { FIELD_READS, readsBelow } from '../../src/graph/tenancy/read-ahead';

/*
 * readsBelow: what a query will read of a tenancy's cloud under a field, known from the
 * document before the field's parents answer.
 */
const root = path.resolve(__dirname, '..', '..');
const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
const CONSOLE = fs.readFileSync(path.join(root, 'operations', 'console.graphql'), 'utf8');

/** The resolve info of the field at `fieldPath` (response names, from the operation's root). */
function infoAt(text: string, fieldPath: string[]) {
  const document = parse(text);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  let type = schema.getRootType(operation.operation)!;
  let selections = operation.selectionSet.selections;
  let node: FieldNode | undefined;
  let returnType: GraphQLOutputType = type;
  for (const name of fieldPath) {
    node = selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === name);
    if (!node) throw new Error(`no field ${name}`);
    returnType = type.getFields()[name].type;
    const named = getNamedType(returnType);
    if (isObjectType(named)) type = named;
    selections = node.selectionSet?.selections ?? [];
  }
  return { fieldNodes: [node!], returnType, fragments, operation, schema };
}

test('under the console query’s networks: every read of the levels below, through its fragment', () => {
  const reads = readsBelow(infoAt(CONSOLE, ['viewer', 'tenancies', 'networks']));
  expect([...reads].sort()).toEqual(['backups', 'flavors', 'floatingIps', 'images', 'instances', 'keyPairs', 'networks', 'securityGroups', 'subnets', 'volumes', 'zones']);
  // The tenancy's own fields (its quota) are not below its networks.
  expect(reads.has('quota')).toBe(false);
});

test('a field with nothing of the cloud below it reads nothing ahead', () => {
  expect(readsBelow(infoAt(CONSOLE, ['viewer', 'tenancies', 'keyPairs'])).size).toBe(0);
});

test('the same field of the same document is worked out once', () => {
  const info = infoAt(CONSOLE, ['viewer', 'tenancies', 'networks']);
  expect(readsBelow(info)).toBe(readsBelow(info));
});

test('inline fragments on the type and nested lists are followed', () => {
  const text = `{ viewer { tenancies { instances { nodes { ... on Instance { volumes { backups { totalCount } } } } } } } }`;
  expect([...readsBelow(infoAt(text, ['viewer', 'tenancies', 'instances']))].sort()).toEqual(['backups', 'volumes']);
});

test('a selection that a variable may leave out is not read ahead; literal conditions are honoured', () => {
  const text = `query($more: Boolean!) { viewer { tenancies { networks {
    nodes {
      subnets @include(if: $more) { nodes { id } }
      instances @skip(if: false) { nodes { zone { name } } }
      ipAvailability @include(if: false) { total }
    }
  } } } }`;
  expect([...readsBelow(infoAt(text, ['viewer', 'tenancies', 'networks']))].sort()).toEqual(['instances', 'zones']);
  const skipped = `{ viewer { tenancies { networks { nodes { subnets @skip(if: true) { nodes { id } } } } } } }`;
  expect(readsBelow(infoAt(skipped, ['viewer', 'tenancies', 'networks'])).size).toBe(0);
});

test('a mutation reads nothing ahead: its reads come after its write', () => {
  const text = `mutation { renameInstance(input: { id: "x", name: "y" }) { instance { volumes { id } } } }`;
  const document = parse(text);
  const operation = document.definitions[0] as OperationDefinitionNode;
  const node = operation.selectionSet.selections[0] as FieldNode;
  expect(readsBelow({ fieldNodes: [node], returnType: schema.getMutationType()!.getFields().renameInstance.type, fragments: {}, operation, schema }).size).toBe(0);
});

test('every field the reads name is a field of the schema', () => {
  for (const key of Object.keys(FIELD_READS)) {
    const [typeName, fieldName] = key.split('.');
    const type = schema.getType(typeName);
    expect({ key, found: isObjectType(type) && fieldName in type.getFields() }).toEqual({ key, found: true });
  }
});
