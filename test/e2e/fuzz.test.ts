import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { useCloudGateway } from '../support/cloud';

/*
 * Thousands of random and malformed requests at the gateway (with its simulated clouds),
 * anonymous, as a user and with an API key: random tokens, documents cut short or mangled,
 * operations walked at random through the schema with arguments of the right and the wrong
 * types, deep nesting, huge strings, random JSON bodies, batches, nulls, wrong methods and
 * content types, bytes that are not UTF-8. Every answer must be a client's answer: no 5xx,
 * JSON with `errors` or `data`, no stack trace or internal path, no unexpected error.
 *
 * Seeded: FUZZ_SEED=<n> (default below) replays the same requests; FUZZ_COUNT=<n> sends more;
 * FUZZ_VERBOSE=1 prints the statuses and error codes seen.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const COUNT = Number(process.env.FUZZ_COUNT ?? 3000);
const CONCURRENCY = 8;

const f = useCloudGateway({
  // The fuzzer means to reach the operations, not the limits (test/e2e/rate-limit.test.ts has those).
  RATE_LIMIT_PER_USER: '0',
  RATE_LIMIT_PER_API_KEY: '0',
  RATE_LIMIT_ANONYMOUS: '0',
  HTTP_BATCHING: 'true',
  HTTP_BATCH_MAX: '4',
  // Random sign-ins fail by the hundred from 127.0.0.1: the final sign-in must not be throttled.
  LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
  LOGIN_MAX_FAILURES_PER_LOGIN: '10000',
});

const root = path.resolve(__dirname, '..', '..');
const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
/** The console's and partners' documents; those that end the caller's session are left out. */
const CORPUS = fs
  .readdirSync(path.join(root, 'operations'))
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => fs.readFileSync(path.join(root, 'operations', file), 'utf8'))
  .filter((doc) => !/\blogout\b/.test(doc));

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

const PUNCTUATORS = ['{', '}', '(', ')', '[', ']', ':', '!', '$', '@', '=', '|', '&', '...', ',', '"', '"""', '#', '\n'];
const KEYWORDS = ['query', 'mutation', 'subscription', 'fragment', 'on', 'true', 'false', 'null', 'schema', 'type', 'input', 'enum', 'directive', 'extend'];
const NAMES = [
  ...Object.keys(schema.getTypeMap()).filter((n) => !n.startsWith('__')),
  ...Object.values(schema.getTypeMap()).flatMap((t) => (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t) ? Object.keys(t.getFields()) : [])),
  '__typename',
  '__schema',
  '__type',
  'include',
  'skip',
  'deprecated',
  'specifiedBy',
];
/** Text a leak check looks for must not be sent, or an echo of it would look like a leak. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:;!?{}[]()"\'\\\t\n\r\u0000\u00e9\u4e2d\u{1f600}\ufeff\u202e';

function randomString(rng: Rng, max = 40): string {
  const length = rng.int(0, max);
  let out = '';
  for (let i = 0; i < length; i++) out += rng.pick([...ALPHABET]);
  return out;
}

/** What a header may carry: visible ASCII and spaces. */
function headerText(rng: Rng, max = 20): string {
  return randomString(rng, max).replace(/[^\x20-\x7e]/g, '');
}

function randomName(rng: Rng): string {
  return rng.chance(0.8) ? rng.pick(NAMES) : `${rng.pick(['_', 'a', 'Z'])}${randomString(rng, 8).replace(/[^\w]/g, '')}`;
}

function randomToken(rng: Rng): string {
  switch (rng.int(0, 6)) {
    case 0:
    case 1:
      return rng.pick(PUNCTUATORS);
    case 2:
      return rng.pick(KEYWORDS);
    case 3:
      return JSON.stringify(randomString(rng, 12));
    case 4:
      return String(rng.pick([0, -1, 1.5, 1e308, -0, 2 ** 31, 2 ** 53 + 1, '1e', '0x1F', '.5', '00']));
    default:
      return rng.chance(0.3) ? `$${randomName(rng)}` : randomName(rng);
  }
}

function randomTokens(rng: Rng): string {
  const count = rng.int(1, 60);
  return Array.from({ length: count }, () => randomToken(rng)).join(rng.pick([' ', '', '\n', ',']));
}

/** A JSON value of any shape, sometimes deep. */
function randomJson(rng: Rng, depth = 0): unknown {
  const kind = depth > 4 ? rng.int(0, 4) : rng.int(0, 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1, 3.14, 1e21, -2147483649, 2147483648, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
    case 4:
      return randomString(rng);
    case 5:
      return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(0, 4) }, () => [rng.chance(0.7) ? randomName(rng) : randomString(rng, 6), randomJson(rng, depth + 1)]));
  }
}

/** A value for an input type: usually of the right shape (with random contents), sometimes not. */
function valueFor(rng: Rng, type: GraphQLInputType, depth = 0): unknown {
  if (rng.chance(0.12) || depth > 5) return randomJson(rng, 3);
  if (isNonNullType(type)) return valueFor(rng, type.ofType, depth);
  if (rng.chance(0.08)) return null;
  if (isListType(type)) return Array.from({ length: rng.int(0, 3) }, () => valueFor(rng, type.ofType, depth + 1));
  if (isEnumType(type)) return rng.chance(0.85) ? rng.pick(type.getValues()).name : randomString(rng, 8);
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return Object.fromEntries(fields.filter((fl) => isNonNullType(fl.type) || rng.chance(0.5)).map((fl) => [fl.name, valueFor(rng, fl.type, depth + 1)]));
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return rng.pick([0, 1, -1, 5, 100, 101, 2 ** 31, -(2 ** 31) - 1, 1.5]);
      case 'Float':
        return rng.pick([0, 1.5, -1e10, 1e308]);
      case 'Boolean':
        return rng.chance(0.5);
      case 'ID':
        return rng.pick([randomString(rng, 30), Buffer.from(JSON.stringify(['Network', randomString(rng, 5)])).toString('base64url'), '', 'x', f.alice.tenancy.OPENSTACK]);
      case 'DateTime':
        return rng.pick(['2020-01-01T00:00:00Z', '2999-12-31T23:59:59.999Z', 'yesterday', '', 0]);
      case 'JSON':
        return randomJson(rng);
      default:
        return randomString(rng, 60);
    }
  }
  return randomJson(rng);
}

/** A GraphQL literal for a value (arguments written inline rather than as variables). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') return `{ ${Object.entries(value).map(([k, v]) => `${/^[_A-Za-z]\w*$/.test(k) ? k : 'x'}: ${literal(v)}`).join(', ')} }`;
  if (typeof value === 'string') return /^[A-Z][A-Z_]+$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

function typeName(type: GraphQLInputType): string {
  if (isNonNullType(type)) return `${typeName(type.ofType)}!`;
  if (isListType(type)) return `[${typeName(type.ofType)}]`;
  return type.name;
}

interface Walk {
  variables: Record<string, unknown>;
  definitions: string[];
}

function selection(rng: Rng, type: GraphQLOutputType, depth: number, walk: Walk): string {
  const named = getNamedType(type);
  if (!(isObjectType(named) || isInterfaceType(named) || isUnionType(named))) return '';
  if (depth > 6) return '{ __typename }';
  const parts: string[] = [];
  if (isUnionType(named) || isInterfaceType(named) || rng.chance(0.1)) {
    const possible = isObjectType(named) ? [named] : schema.getPossibleTypes(named);
    if (possible.length) parts.push(`... on ${rng.pick(possible).name} ${selection(rng, rng.pick(possible), depth + 1, walk)}`);
  }
  if (!isUnionType(named)) {
    const fields = Object.values(named.getFields());
    for (let i = rng.int(1, 4); i > 0; i--) parts.push(fieldCall(rng, rng.pick(fields), depth, walk));
  }
  if (!parts.length || rng.chance(0.2)) parts.push('__typename');
  return `{ ${parts.join(' ')} }`;
}

function fieldCall(rng: Rng, field: GraphQLField<unknown, unknown>, depth: number, walk: Walk): string {
  const args = field.args.filter((a: GraphQLArgument) => isNonNullType(a.type) || rng.chance(0.4));
  const written = args.map((arg) => {
    if (rng.chance(0.5)) {
      const name = `v${Object.keys(walk.variables).length}`;
      // The declared type is sometimes not the argument's: a validation error, not a crash.
      const declared = rng.chance(0.85) ? typeName(arg.type) : rng.pick(['Int', 'String!', '[ID!]!', 'Boolean', 'JSON', 'Nope']);
      walk.definitions.push(`$${name}: ${declared}`);
      walk.variables[name] = valueFor(rng, arg.type);
      return `${arg.name}: $${name}`;
    }
    return `${arg.name}: ${literal(valueFor(rng, arg.type))}`;
  });
  const alias = rng.chance(0.1) ? `${randomName(rng).replace(/\W/g, '') || 'a'}: ` : '';
  const argText = written.length ? `(${written.join(', ')})` : '';
  const sub = isObjectType(getNamedType(field.type)) || isInterfaceType(getNamedType(field.type)) || isUnionType(getNamedType(field.type));
  return `${alias}${field.name}${argText}${sub ? ` ${selection(rng, field.type, depth + 1, walk)}` : ''}`;
}

/** An operation walked at random through the schema: mostly valid syntax, often invalid meaning. */
function schemaOperation(rng: Rng): { query: string; variables: Record<string, unknown> } {
  const kind = rng.pick(['query', 'query', 'query', 'mutation', 'subscription'] as const);
  const rootType = (kind === 'query' ? schema.getQueryType() : kind === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType()) as GraphQLObjectType;
  const walk: Walk = { variables: {}, definitions: [] };
  const fields = Object.values(rootType.getFields()).filter((fl) => fl.name !== 'logout');
  const body = Array.from({ length: rng.int(1, 2) }, () => fieldCall(rng, rng.pick(fields), 0, walk)).join(' ');
  const defs = walk.definitions.length ? `(${walk.definitions.join(', ')})` : '';
  return { query: `${kind} Fuzz${defs} { ${body} }`, variables: walk.variables };
}

function mangle(rng: Rng, doc: string): string {
  let out = doc;
  for (let i = rng.int(1, 4); i > 0; i--) {
    const at = rng.int(0, out.length);
    switch (rng.int(0, 4)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + rng.int(1, 20));
        break;
      case 1:
        out = out.slice(0, at) + randomToken(rng) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(Math.max(0, at - 30), at) + out.slice(at);
        break;
      case 3:
        out = out.slice(0, at);
        break;
      default:
        out = out.replace(/\w+/, randomName(rng));
    }
  }
  return out;
}

function deepDocument(rng: Rng): string {
  const depth = rng.pick([20, 64, 200, 1000, 5000]);
  switch (rng.int(0, 3)) {
    case 0:
      return `{ ${'viewer { tenancies { networks { nodes { '.repeat(Math.ceil(depth / 4))}id${' } } } }'.repeat(Math.ceil(depth / 4))} }`;
    case 1:
      return `query { ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }`;
    case 2:
      return `query($x: JSON) { node(id: ${'['.repeat(depth)}1${']'.repeat(depth)}) { id } }`;
    default:
      return `fragment F on Query { ...G } fragment G on Query { ...F } ${'query { ...F } '.repeat(rng.int(1, 3))}`;
  }
}

function deepValue(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { input: value };
  return value;
}

function hugeString(rng: Rng): string {
  return 'x'.repeat(rng.pick([10_000, 100_000, 1_000_000, 2_100_000]));
}

type Caller = 'anonymous' | 'user' | 'apiKey';

interface FuzzRequest {
  index: number;
  caller: Caller;
  method: string;
  /** Appended to the URL (GET parameters). */
  search: string;
  headers: Record<string, string>;
  body: string | Buffer | null;
  kind: string;
}

function jsonRequest(rng: Rng): { kind: string; body: unknown } {
  switch (rng.int(0, 13)) {
    case 0:
      return { kind: 'tokens', body: { query: randomTokens(rng) } };
    case 1: {
      const doc = rng.pick(CORPUS);
      return { kind: 'truncated', body: { query: doc.slice(0, rng.int(0, doc.length)) } };
    }
    case 2:
      return { kind: 'mangled', body: { query: mangle(rng, rng.pick(CORPUS)), variables: randomJson(rng) } };
    case 3:
    case 4:
    case 5:
      return { kind: 'schema walk', body: schemaOperation(rng) };
    case 6: {
      const op = schemaOperation(rng);
      // The variables of another operation: wrong names and types.
      return { kind: 'wrong variables', body: { query: op.query, variables: schemaOperation(rng).variables, operationName: rng.chance(0.3) ? randomName(rng) : undefined } };
    }
    case 7:
      return { kind: 'deep', body: { query: deepDocument(rng), variables: rng.chance(0.5) ? { x: deepValue(rng.pick([10, 100, 1000])) } : undefined } };
    case 8:
      return rng.chance(0.5)
        ? { kind: 'huge', body: { query: `{ users(search: "${hugeString(rng)}") { totalCount } }` } }
        : { kind: 'huge', body: { query: 'query($s: String) { users(search: $s) { totalCount } }', variables: { s: hugeString(rng) } } };
    case 9:
      return { kind: 'random json', body: randomJson(rng) };
    case 10:
      return {
        kind: 'bad fields',
        body: rng.pick([
          null,
          {},
          { query: null },
          { query: 5 },
          { query: ['{ __typename }'] },
          { query: '{ __typename }', variables: 'x' },
          { query: '{ __typename }', variables: [1] },
          { query: '{ __typename }', operationName: 7 },
          { query: '{ __typename }', extensions: 'x' },
          { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: randomString(rng, 64) } } },
          { extensions: { persistedQuery: { version: rng.pick([1, 2, 'x']), sha256Hash: 'a'.repeat(64) } } },
          { documentId: randomString(rng, 70) },
          { id: randomString(rng, 20), query: '' },
        ]),
      };
    case 11: {
      const count = rng.int(0, 6);
      return { kind: 'batch', body: Array.from({ length: count }, () => (rng.chance(0.6) ? schemaOperation(rng) : randomJson(rng))) };
    }
    default: {
      const doc = rng.pick(CORPUS);
      const names = [...doc.matchAll(/(?:query|mutation|subscription)\s+(\w+)/g)].map((m) => m[1]);
      const variables = rng.chance(0.7) ? Object.fromEntries([...doc.matchAll(/\$(\w+)/g)].map((m) => [m[1], randomJson(rng, 2)])) : randomJson(rng);
      return { kind: 'corpus', body: { query: doc, operationName: names.length && rng.chance(0.8) ? rng.pick(names) : randomName(rng), variables } };
    }
  }
}

function generate(rng: Rng, index: number, secrets: { token: string; apiKey: string }): FuzzRequest {
  const caller = rng.pick<Caller>(['anonymous', 'user', 'apiKey']);
  const headers: Record<string, string> = {};
  if (caller === 'user') headers.authorization = `Bearer ${secrets.token}`;
  if (caller === 'apiKey') headers['x-api-key'] = secrets.apiKey;
  // Now and then credentials are wrong, or both kinds at once.
  if (rng.chance(0.03)) headers.authorization = rng.pick(['Bearer', 'Basic abc', `Bearer ${headerText(rng)}`, 'Bearer a b']);
  if (rng.chance(0.02)) headers['x-api-key'] = rng.pick(['', ' ', 'ecs_k_nope', headerText(rng, 10)]);
  if (rng.chance(0.05)) headers.prefer = rng.pick(['wait=1', 'wait=-1', 'wait=99999999', 'wait', headerText(rng, 10)]);

  const form = rng.int(0, 19);
  if (form === 0) {
    // GET with parameters: sometimes with the preflight header CSRF prevention asks for.
    const op = rng.chance(0.5) ? schemaOperation(rng) : { query: randomTokens(rng), variables: randomJson(rng) };
    const params = new URLSearchParams();
    if (rng.chance(0.9)) params.set('query', op.query);
    if (rng.chance(0.5)) params.set('variables', rng.chance(0.8) ? JSON.stringify(op.variables) : randomString(rng, 10));
    if (rng.chance(0.2)) params.set('extensions', randomString(rng, 10));
    if (rng.chance(0.7)) headers['apollo-require-preflight'] = 'true';
    return { index, caller, method: 'GET', search: `?${params}`, headers, body: null, kind: 'get' };
  }
  if (form === 1) {
    return { index, caller, method: rng.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS']), search: '', headers: { ...headers, 'content-type': 'application/json' }, body: rng.chance(0.5) ? '{"query":"{ __typename }"}' : null, kind: 'method' };
  }
  const { kind, body } = jsonRequest(rng);
  let text = body === undefined ? '' : JSON.stringify(body);
  let payload: string | Buffer = text;
  let label = kind;
  if (form === 2) {
    headers['content-type'] = rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', 'application/xml', 'application/jsonx', '']);
    label = `${kind}, content-type ${headers['content-type'] || 'none'}`;
  } else {
    headers['content-type'] = rng.pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'application/graphql-response+json', 'APPLICATION/JSON']);
  }
  if (form === 3) {
    // Not JSON any more: cut short, or bytes that are not UTF-8.
    if (rng.chance(0.5)) payload = text.slice(0, rng.int(0, Math.max(0, text.length - 1)));
    else payload = Buffer.concat([Buffer.from(text.slice(0, 10)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]), Buffer.from(text.slice(10))]);
    label = `${kind}, broken JSON`;
  }
  if (form === 4) {
    payload = rng.pick(['', 'null', '[]', '"{ __typename }"', '{ __typename }', 'query { __typename }', '\ufeff{"query":"{ __typename }"}', '{"query":"{ __typename }"}{"query":"x"}', '{"query":"{ __typename }",}', '{"__proto__":{"query":"{ __typename }"}}', '{"constructor":{"prototype":{"x":1}}}']);
    label = 'odd body';
    text = payload;
  }
  return { index, caller, method: 'POST', search: '', headers, body: payload, kind: label };
}

/** What must never reach a client: stack frames, internal paths, raw exception lines. */
const LEAKS: [string, RegExp][] = [
  ['a stack frame', /\bat (?:async )?[\w$.<>[\] ]*\(?(?:\/|file:|node:)[^\s)]*:\d+(?::\d+)?/],
  ['an indented "at" line', /\\n\s+at \S/],
  ['node_modules', /node_modules/],
  ['a source path', /\/(?:src|dist|test)\/[\w/.-]+/],
  ['a file and line', /\.(?:ts|js|mjs|cjs):\d+/],
  // `TypeError: …`, `Error: …` opening a message or a line (not a type name quoted inside one).
  ['an exception line', /(?:^|\\n|")\s*(?:[A-Z]\w*)?Error: /],
  ['a stacktrace extension', /"stacktrace"/],
  ['an absolute path of this machine', new RegExp(root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
];

interface Problem {
  request: FuzzRequest;
  status: number;
  body: string;
  why: string;
}

function check(request: FuzzRequest, status: number, text: string): string[] {
  const why: string[] = [];
  if (status >= 500) why.push(`status ${status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...why, 'the body is not JSON'];
  }
  const answers = Array.isArray(body) ? body : [body];
  if (Array.isArray(body) && !(request.body && /^\s*\[/.test(String(request.body)))) why.push('an array answer to a request that was not a batch');
  for (const answer of answers) {
    if (!answer || typeof answer !== 'object' || Array.isArray(answer)) {
      why.push('an answer that is not an object');
      continue;
    }
    const { errors, data } = answer as { errors?: unknown; data?: unknown };
    if (errors === undefined && data === undefined) why.push('neither errors nor data');
    if (errors !== undefined) {
      if (!Array.isArray(errors) || errors.length === 0) why.push('errors is not a non-empty list');
      else
        for (const error of errors as { message?: unknown; path?: unknown[]; extensions?: { code?: unknown } }[]) {
          if (typeof error?.message !== 'string') why.push('an error without a message');
          if (typeof error?.extensions?.code !== 'string') why.push('an error without extensions.code');
          // Masked errors are bugs (a subscription over HTTP and U+0000 in a string were two, found here).
          if (error?.extensions?.code === 'INTERNAL_SERVER_ERROR') why.push(`an unexpected error in ${(error.path ?? []).join('.') || 'the request'}: ${String(error.message)}`);
        }
    }
  }
  const sent = `${request.search} ${String(request.body ?? '')} ${JSON.stringify(request.headers)}`;
  for (const [name, pattern] of LEAKS) {
    if (pattern.test(text) && !pattern.test(sent)) why.push(`${name}: ${text.match(pattern)![0]}`);
  }
  return why;
}

async function send(request: FuzzRequest): Promise<{ status: number; text: string }> {
  const res = await fetch(`${f.gw.url}${request.search}`, {
    method: request.method,
    headers: request.headers,
    body: request.body === null ? undefined : request.body,
  });
  return { status: res.status, text: await res.text() };
}

test(`${COUNT} random and malformed requests (seed ${SEED}): every answer a client's, and the server still answers`, async () => {
  const started = Date.now();
  const created = await f.ok<{ createApiKey: { secret: string } }>(
    'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }',
    { input: { name: 'fuzz', scopes: ['FULL'] } },
    f.alice.token,
  );
  const secrets = { token: f.alice.token, apiKey: created.createApiKey.secret };

  const rng = new Rng(SEED);
  const requests = Array.from({ length: COUNT }, (_, i) => generate(rng, i, secrets));
  const problems: Problem[] = [];
  const statuses = new Map<number, number>();
  const codeCounts = new Map<string, number>();
  let nextIndex = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (nextIndex < requests.length) {
        const request = requests[nextIndex++];
        const { status, text } = await send(request);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        for (const code of text.match(/"code":"\w+"/g) ?? []) codeCounts.set(code.slice(8, -1), (codeCounts.get(code.slice(8, -1)) ?? 0) + 1);
        for (const why of check(request, status, text)) problems.push({ request, status, body: text.slice(0, 600), why });
      }
    }),
  );

  // One example of each kind of problem, with what replays it.
  const kinds = new Map<string, { count: number; example: Problem }>();
  for (const p of problems) {
    const kind = p.why.replace(/: .*/s, '');
    const seen = kinds.get(kind);
    if (seen) seen.count += 1;
    else kinds.set(kind, { count: 1, example: p });
  }
  const report = [...kinds.values()].map(({ count, example: p }) => ({
    why: p.why,
    count,
    replay: `FUZZ_SEED=${SEED} request #${p.request.index} (${p.request.kind}, ${p.request.caller}, ${p.request.method})`,
    sent: `${p.request.search}${String(p.request.body ?? '').slice(0, 400)}`,
    headers: p.request.headers,
    status: p.status,
    body: p.body,
  }));
  expect({ problems: problems.length, first: report }).toEqual({ problems: 0, first: [] });
  if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify({ statuses: Object.fromEntries(statuses), codes: Object.fromEntries(codeCounts) }));
  // The fuzzer reached past the HTTP layer and the validation: a good share of answers are executions.
  expect(statuses.get(200) ?? 0).toBeGreaterThan(COUNT / 10);

  // Still answering: anonymous, as the user (with a fresh session) and with the key.
  const anonymous = await send({ index: -1, caller: 'anonymous', method: 'POST', search: '', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}', kind: 'final' });
  expect(anonymous.status).toBe(200);
  expect(JSON.parse(anonymous.text)).toEqual({ data: { __typename: 'Query' } });
  const token = await f.gw.login(f.alice.username, `${f.alice.username}-password-1`);
  const viewer = await f.gw.gql<{ viewer: { username: string } }, unknown>('{ viewer { username } }', {}, { token });
  expect(viewer.status).toBe(200);
  expect(viewer.data).toEqual({ viewer: { username: f.alice.username } });
  const withKey = await fetch(f.gw.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': secrets.apiKey }, body: '{"query":"{ viewer { username } }"}' });
  expect(await withKey.json()).toEqual({ data: { viewer: { username: f.alice.username } } });
  expect((await fetch(f.gw.url.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 120_000);

test('the checks themselves catch a leak, a 5xx, a body that is not JSON and an unexpected error', () => {
  const request: FuzzRequest = { index: 0, caller: 'anonymous', method: 'POST', search: '', headers: {}, body: '{"query":"{ x }"}', kind: 'self-test' };
  const stack = JSON.stringify({ errors: [{ message: `TypeError: x is undefined\n    at f (${root}/src/graph/x.ts:1:2)`, extensions: { code: 'BAD_REQUEST' } }] });
  expect(check(request, 400, stack)).toEqual(expect.arrayContaining([expect.stringMatching(/^a stack frame/), expect.stringMatching(/^a source path/), expect.stringMatching(/^an exception line/)]));
  expect(check(request, 500, '{"errors":[{"message":"x","extensions":{"code":"BAD_REQUEST"}}]}')).toEqual(['status 500']);
  expect(check(request, 200, 'oops')).toEqual(['the body is not JSON']);
  expect(check(request, 200, '{"data":null,"errors":[{"message":"Unexpected error.","path":["x"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}')).toEqual([
    'an unexpected error in x: Unexpected error.',
  ]);
  expect(check(request, 200, '{"data":{"x":1}}')).toEqual([]);
});
