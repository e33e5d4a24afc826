import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isLeafType,
  parse,
  specifiedRules,
  validate,
  valueFromASTUntyped,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config';
import { AppError, ErrorCode } from '../errors';
import type { Viewer } from '../graph/context';
import { DEFAULT_PAGE_SIZE } from '../graph/connection';

/** What a document may ask for (README: Limits, with each default's source). */
export type QueryLimits = Config['limits'];

/**
 * The rules every document meets, whoever sends it, on HTTP and WebSocket alike: depth,
 * aliases and directives (graphql-armor's rules), root fields, and cost (below). Tokens are
 * counted by the parser itself (`maxTokens`).
 */
export function limitRules(limits: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...reported('MAX_DEPTH') }),
    maxAliasesRule({ n: limits.maxAliases, ...reported('MAX_ALIASES') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...reported('MAX_DIRECTIVES') }),
    maxRootFieldsRule(limits.maxRootFields),
  ];
}

/**
 * graphql-armor's rules throw by default (their message starts "Syntax Error"); here a
 * refusal is reported like any validation error, naming the setting.
 */
function reported(setting: string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(new GraphQLError(`${error.message.replace(/^Syntax Error: /, '').replace(/\.$/, '')} (${setting}).`)),
    ],
  };
}

/** The validation an operation of `viewer` goes through: GraphQL's own rules, the limits, and no introspection for non-admins outside development. */
export function rulesFor(limits: QueryLimits, viewer: Viewer | null, development: boolean): ValidationRule[] {
  return [...specifiedRules, ...limitRules(limits), ...(mayIntrospect(viewer, development) ? [] : [NoSchemaIntrospectionCustomRule])];
}

export function mayIntrospect(viewer: Viewer | null, development: boolean): boolean {
  return development || viewer?.role === 'ADMIN';
}

function maxRootFieldsRule(max: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const fields = rootFields(operation.selectionSet, context.getDocument());
      if (fields > max) {
        context.reportError(new GraphQLError(`Operation ${operation.name?.value ?? '(anonymous)'} asks for ${fields} root fields; at most ${max} (MAX_ROOT_FIELDS).`, { nodes: [operation] }));
      }
    },
  });
}

function rootFields(set: SelectionSetNode, document: DocumentNode, seen = new Set<string>()): number {
  let n = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) n += selection.name.value === '__typename' ? 0 : 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) n += rootFields(selection.selectionSet, document, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragmentsOf(document).get(selection.name.value);
      if (fragment) n += rootFields(fragment.selectionSet, document, seen);
    }
  }
  return n;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
}

/**
 * The most objects an operation's answer may hold: every object-typed field counts once per
 * parent it can appear under, and a paged field (one with a `first` argument) multiplies what
 * is under it by `first` (the default page size when absent). Unpaged lists are small by
 * nature (a user's tenancies, an instance's addresses) and count as one. Scalars are free.
 * Variables count with their values.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return 0;
  // Without variables the cost is the document's own: counted once per parsed document (and schema).
  if (operation.variableDefinitions?.length) return costOf(schema, document, operation, variables);
  let costs = fixedCosts.get(operation);
  if (!costs || costs.schema !== schema) {
    costs = { schema, cost: costOf(schema, document, operation, undefined) };
    fixedCosts.set(operation, costs);
  }
  return costs.cost;
}

const fixedCosts = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; cost: number }>();

function costOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = fragmentsOf(document);

  const walk = (set: SelectionSetNode, type: GraphQLCompositeType, multiplier: number, path: Set<string>): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        total += walk(selection.selectionSet, isCompositeType(on) ? on : type, multiplier, path);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        // A fragment spread inside itself is a validation error; counted once here.
        if (!fragment || path.has(fragment.name.value)) continue;
        const on = schema.getType(fragment.typeCondition.name.value);
        total += walk(fragment.selectionSet, isCompositeType(on) ? on : type, multiplier, new Set([...path, fragment.name.value]));
      } else {
        if (selection.name.value.startsWith('__')) continue;
        const field = fieldOf(type, selection.name.value);
        if (!field || isLeafType(getNamedType(field.type))) continue;
        const named = getNamedType(field.type) as GraphQLCompositeType;
        const inner = multiplier * itemsOf(field, selection.arguments ?? [], variables);
        total += multiplier + (selection.selectionSet ? walk(selection.selectionSet, named, inner, path) : 0);
      }
    }
    return total;
  };
  return walk(operation.selectionSet, root, 1, new Set());
}

function fieldOf(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isAbstractType(type) && !('getFields' in type)) return undefined;
  return (type as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields()[name];
}

/** How many items a field's selection is asked for under each parent. */
function itemsOf(
  field: GraphQLField<unknown, unknown>,
  args: readonly { name: { value: string }; value: import('graphql').ValueNode }[],
  variables: Record<string, unknown> | null | undefined,
): number {
  if (!field.args.some((a) => a.name === 'first')) return 1;
  const given = args.find((a) => a.name.value === 'first');
  const value = given ? valueFromASTUntyped(given.value, variables ?? undefined) : undefined;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : DEFAULT_PAGE_SIZE;
}

/** The refusal of an operation over MAX_COST (BAD_USER_INPUT with `extensions.limit`), or null when within. */
export function costError(limits: QueryLimits, cost: number, http = false): GraphQLError | null {
  if (cost <= limits.maxCost) return null;
  const message = `The operation may return up to ${cost} objects; at most ${limits.maxCost} (MAX_COST). Ask for smaller pages (first) or fewer nested lists.`;
  const limit = { name: 'MAX_COST', max: limits.maxCost, found: cost };
  return new GraphQLError(message, {
    originalError: new AppError(ErrorCode.BAD_USER_INPUT, message, { limit }),
    extensions: { code: ErrorCode.BAD_USER_INPUT, limit, ...(http ? { http: { status: 400 } } : {}) },
  });
}

/**
 * U+0000 is a valid GraphQL string character but no Postgres text can hold it: refused up
 * front (BAD_USER_INPUT naming where), instead of failing deep in a query.
 */
export function nulCharacterError(document: DocumentNode, variables: Record<string, unknown> | null | undefined, http = false): GraphQLError | null {
  const found: { where: string | null } = { where: nulInDocument(document) ? 'a string in the document' : null };
  const scan = (value: unknown, path: string): void => {
    if (found.where) return;
    if (typeof value === 'string' && value.includes('\u0000')) found.where = path;
    else if (Array.isArray(value)) value.forEach((v, i) => scan(v, `${path}.${i}`));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) scan(v, `${path}.${k}`);
  };
  if (variables) for (const [k, v] of Object.entries(variables)) scan(v, k);
  const { where } = found;
  if (!where) return null;
  const message = `${where}: must not contain the character U+0000`;
  const field = where.startsWith('a string') ? undefined : where;
  return new GraphQLError(message, {
    originalError: new AppError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {}),
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}), ...(http ? { http: { status: 400 } } : {}) },
  });
}

/** Whether a string of the document holds U+0000; walked once per parsed document. */
const nulDocuments = new WeakMap<DocumentNode, boolean>();
function nulInDocument(document: DocumentNode): boolean {
  let found = nulDocuments.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      StringValue(node) {
        if (node.value.includes('\u0000')) found = true;
      },
    });
    nulDocuments.set(document, found);
  }
  return found;
}

/** Subscriptions stream over graphql-ws; over HTTP there is no stream to send their events on. */
export function subscriptionOverHttpError(): GraphQLError {
  return new GraphQLError('Subscriptions run over WebSocket (graphql-ws) at the same URL, not over HTTP.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

/** graphql-js's own words for a document over `maxTokens`, said as the other limits say theirs. */
export function explainTokens(message: string): string {
  const over = /^Syntax Error: Document contains more th(?:an|at) (\d+) tokens\. Parsing aborted\.$/.exec(message);
  return over ? `The document has more than ${over[1]} tokens (MAX_TOKENS).` : message;
}

/** A document's text as parsed once, and its validation errors under each kind of viewer. */
interface DocumentEntry {
  document: DocumentNode | null;
  parseErrors: readonly GraphQLError[];
  /** By whether introspection is allowed: the one part of the rules (and of the errors' wording) that depends on the viewer. */
  validation: Map<boolean, readonly GraphQLError[]>;
}

/**
 * Documents by text, per schema and limits, for graphql-ws: the same subscription sent by
 * thousands of clients (a dashboard reconnecting after a deploy) is parsed and validated once.
 * Bounded by entries and by characters.
 */
const documentEntries = new WeakMap<GraphQLSchema, WeakMap<QueryLimits, LRUCache<string, DocumentEntry>>>();
const DOCUMENTS_MAX = 1000;
const DOCUMENTS_MAX_CHARS = 8 * 1024 * 1024;

function documentEntry(schema: GraphQLSchema, limits: QueryLimits, query: string): DocumentEntry {
  let byLimits = documentEntries.get(schema);
  if (!byLimits) documentEntries.set(schema, (byLimits = new WeakMap()));
  let cache = byLimits.get(limits);
  if (!cache) byLimits.set(limits, (cache = new LRUCache({ max: DOCUMENTS_MAX, maxSize: DOCUMENTS_MAX_CHARS, sizeCalculation: (_entry, key) => key.length || 1 })));
  let entry = cache.get(query);
  if (!entry) cache.set(query, (entry = parseEntry(query, limits)));
  return entry;
}

function parseEntry(query: string, limits: QueryLimits): DocumentEntry {
  try {
    return { document: parse(query, { maxTokens: limits.maxTokens }), parseErrors: [], validation: new Map() };
  } catch (err) {
    const error =
      err instanceof GraphQLError
        ? withCode(new GraphQLError(explainTokens(err.message), { source: err.source, positions: err.positions }), 'GRAPHQL_PARSE_FAILED')
        : new GraphQLError('The document does not parse.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    return { document: null, parseErrors: [error], validation: new Map() };
  }
}

/** The document of `query` as graphql-ws runs it (parsed once per text), or null when it does not parse. */
export function parsedDocument(schema: GraphQLSchema, limits: QueryLimits, query: string): DocumentNode | null {
  return documentEntry(schema, limits, query).document;
}

/**
 * Every check a document meets before it runs, as one call for transports that do not go
 * through Apollo (graphql-ws): parse with the token limit, validate with the rules of the
 * viewer (both once per document text: see documentEntries), then the NUL character and the
 * cost with the variables. The parsed document when it may run, else the errors as the client
 * gets them.
 */
export function checkDocument(
  schema: GraphQLSchema,
  limits: QueryLimits,
  viewer: Viewer | null,
  development: boolean,
  request: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
): { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: GraphQLError[] } {
  const entry = documentEntry(schema, limits, request.query);
  const { document } = entry;
  if (!document) return { errors: [...entry.parseErrors] };
  const introspect = mayIntrospect(viewer, development);
  let invalid = entry.validation.get(introspect);
  if (!invalid) {
    invalid = validate(schema, document, rulesFor(limits, viewer, development)).map((e) => withCode(introspect ? e : withoutSuggestions(e), 'GRAPHQL_VALIDATION_FAILED'));
    entry.validation.set(introspect, invalid);
  }
  if (invalid.length) return { errors: [...invalid] };
  const refused = nulCharacterError(document, request.variables) ?? costError(limits, operationCost(schema, document, request.operationName, request.variables));
  return refused ? { errors: [refused] } : { document };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

/** graphql-js's "Did you mean …?" names fields a caller did not ask about: kept for admins only. */
export function stripSuggestions(message: string): string {
  return message.replace(/ Did you mean [^?]*\?$/, '');
}

function withoutSuggestions(error: GraphQLError): GraphQLError {
  return new GraphQLError(stripSuggestions(error.message), { nodes: error.nodes, source: error.source, positions: error.positions, extensions: error.extensions });
}
