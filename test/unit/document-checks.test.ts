import { buildSchema } from 'graphql';
import { loadConfig } from '../../src/config';
import type { Viewer } from '../../src/graph/context';
import { checkDocument, parsedDocument } from '../../src/server/limits';

/*
 * checkDocument (the checks graphql-ws runs before an operation) parses and validates a
 * document's text once and keeps the outcome; what depends on the viewer or on the variables
 * must still be decided per call.
 */
const schema = buildSchema(`
  type Query { job(id: ID!): Job, jobs(first: Int): [Job!]! }
  type Job { id: ID!, status: String!, progress: Int!, events(first: Int): [JobEvent!]! }
  type JobEvent { at: String! }
  type Subscription { jobProgress(id: ID!): Job! }
`);
const limits = loadConfig({}).limits;
const user: Viewer = { userId: 'u1', role: 'USER', username: 'u1', sessionId: 's1', apiKeyId: null };
const admin: Viewer = { ...user, userId: 'a1', username: 'a1', role: 'ADMIN' };
const check = (viewer: Viewer | null, query: string, variables?: Record<string, unknown>) => checkDocument(schema, limits, viewer, false, { query, variables });

describe('checkDocument', () => {
  it('answers the same text with the same parsed document, whoever sends it', () => {
    const text = 'subscription Follow($id: ID!) { jobProgress(id: $id) { id status progress } }';
    const first = check(user, text, { id: 'a' });
    const second = check(admin, text, { id: 'b' });
    expect(first.errors).toBeUndefined();
    expect(second.document).toBe(first.document);
    expect(parsedDocument(schema, limits, text)).toBe(first.document);
    // Another text is another document, even when it differs by a space only.
    expect(check(user, `${text} `).document).not.toBe(first.document);
  });

  it('keeps validation apart by what the viewer may do: introspection, and "Did you mean" in messages', () => {
    const introspect = '{ __schema { queryType { name } } }';
    expect(check(admin, introspect).errors).toBeUndefined();
    expect(check(user, introspect).errors?.[0].message).toMatch(/introspection/i);
    expect(check(admin, introspect).errors).toBeUndefined();

    const typo = '{ job(id: "1") { statuss } }';
    expect(check(admin, typo).errors?.[0].message).toMatch(/Did you mean "status"\?/);
    const forUser = check(user, typo).errors!;
    expect(forUser[0].message).toBe('Cannot query field "statuss" on type "Job".');
    expect(forUser[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Asked again, the same answer (from the cache) for each.
    expect(check(user, typo).errors![0].message).toBe(forUser[0].message);
    expect(check(admin, typo).errors![0].message).toMatch(/Did you mean/);
  });

  it('decides the cost and the NUL character per call, from that call’s variables', () => {
    const text = 'query List($n: Int) { jobs(first: $n) { events { at } } }';
    expect(check(user, text, { n: 10 }).errors).toBeUndefined();
    const costly = check(user, text, { n: limits.maxCost * 10 }).errors;
    expect(costly?.[0].message).toMatch(/MAX_COST/);
    expect(check(user, text, { n: 10 }).errors).toBeUndefined();

    const byId = 'query One($id: ID!) { job(id: $id) { id } }';
    expect(check(user, byId, { id: 'x\u0000' }).errors?.[0].message).toMatch(/U\+0000/);
    expect(check(user, byId, { id: 'x' }).errors).toBeUndefined();
  });

  it('reports a text that does not parse every time it is sent, with the token limit named', () => {
    for (let i = 0; i < 2; i++) {
      const [error] = check(user, '{ job(id: "1") { id }').errors!;
      expect(error.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(error.message).toMatch(/Syntax Error/);
    }
    const long = `{ ${Array.from({ length: limits.maxTokens }, (_, i) => `a${i}: job(id: "1") { id }`).join(' ')} }`;
    expect(check(user, long).errors?.[0].message).toMatch(/MAX_TOKENS/);
    expect(parsedDocument(schema, limits, long)).toBeNull();
  });
});
