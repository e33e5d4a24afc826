import { ErrorCode } from '../../src/errors';
import { thrownAppError } from '../support/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decodeCursor, encodeCursor, pageSize, toConnection } from '../../src/graph/connection';


function expectBadInput(run: () => unknown, field: string) {
  const error = thrownAppError(run);
  expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
  expect(error.details.field).toBe(field);
  expect(error.message.startsWith(`${field}: `)).toBe(true);
}

describe('pageSize', () => {
  it('defaults to 20 when `first` is not given', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(20);
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(null)).toBe(20);
  });

  it('accepts 1 to 100', () => {
    expect(MAX_PAGE_SIZE).toBe(100);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(37)).toBe(37);
    expect(pageSize(100)).toBe(100);
  });

  it.each([0, -1, 101, 1000, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p as BAD_USER_INPUT naming `first`', (first) => {
    expectBadInput(() => pageSize(first), 'first');
  });
});

describe('encodeCursor / decodeCursor', () => {
  it('round-trips strings and numbers', () => {
    const values = ['2024-05-01T10:00:00.000Z', 'a:b "c" é', 42, -1.5];
    expect(decodeCursor(encodeCursor(values), 4)).toEqual(values);
  });

  it('is URL-safe and opaque', () => {
    const cursor = encodeCursor(['alice@example.com', 7]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('alice');
  });

  it('returns null when there is no cursor', () => {
    expect(decodeCursor(null, 2)).toBeNull();
    expect(decodeCursor(undefined, 2)).toBeNull();
  });

  it.each([
    ['garbage', '%%% not a cursor'],
    ['the empty string', ''],
    ['base64url of non-JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON object', Buffer.from('{"id":1}').toString('base64url')],
    ['a JSON string', Buffer.from('"x"').toString('base64url')],
    ['an array with a null', Buffer.from('["x",null]').toString('base64url')],
    ['an array with an object', Buffer.from('["x",{"a":1}]').toString('base64url')],
  ])('refuses %s as BAD_USER_INPUT naming `after`', (_label, cursor) => {
    expectBadInput(() => decodeCursor(cursor, 2), 'after');
  });

  it('refuses a cursor of another arity (from another list)', () => {
    expectBadInput(() => decodeCursor(encodeCursor(['x']), 2), 'after');
    expectBadInput(() => decodeCursor(encodeCursor(['x', 1, 2]), 2), 'after');
    expect(decodeCursor(encodeCursor(['x', 1]), 2)).toEqual(['x', 1]);
  });
});

describe('toConnection', () => {
  interface Row {
    id: number;
  }
  const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: i + 1 }));
  const build = (fetched: Row[], limit: number, hadCursor = false) =>
    toConnection(fetched, limit, 99, hadCursor, (r) => `c${r.id}`, (r) => `node${r.id}`);

  it('has a next page when limit + 1 rows came back, and drops the extra row', () => {
    const c = build(rows(4), 3);
    expect(c.nodes).toEqual(['node1', 'node2', 'node3']);
    expect(c.edges).toEqual([
      { cursor: 'c1', node: 'node1' },
      { cursor: 'c2', node: 'node2' },
      { cursor: 'c3', node: 'node3' },
    ]);
    // The end cursor is that of the last row shown, so the next page starts at the extra row.
    expect(c.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: 'c1', endCursor: 'c3' });
    expect(c.totalCount).toBe(99);
  });

  it('has no next page when exactly limit rows came back', () => {
    const c = build(rows(3), 3);
    expect(c.nodes).toHaveLength(3);
    expect(c.pageInfo).toMatchObject({ hasNextPage: false, startCursor: 'c1', endCursor: 'c3' });
  });

  it('has no next page on a short last page', () => {
    expect(build(rows(2), 3).pageInfo).toMatchObject({ hasNextPage: false, endCursor: 'c2' });
  });

  it('has null cursors on an empty page', () => {
    const c = build([], 3, true);
    expect(c.edges).toEqual([]);
    expect(c.nodes).toEqual([]);
    expect(c.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });

  it('reports a previous page when the request had a cursor', () => {
    expect(build(rows(2), 3, true).pageInfo.hasPreviousPage).toBe(true);
    expect(build(rows(2), 3, false).pageInfo.hasPreviousPage).toBe(false);
  });
});
