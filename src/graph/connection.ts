import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from '../errors';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A Relay connection type named `<name>Connection`, with edges, nodes, pageInfo and totalCount. */
export function Connection<T extends object>(name: string, nodeType: ClassType<T>) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor!: string;

    @Field(() => nodeType)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType implements ConnectionShape<T> {
    @Field(() => [EdgeType])
    edges!: Edge<T>[];

    @Field(() => [nodeType])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Matching items in all pages.' })
    totalCount!: number;
  }
  return ConnectionType;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Validated `first`; BAD_USER_INPUT naming `first` outside 1..100. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput('first', `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

/** Keyset cursors: the sort key of the last item, opaque to clients. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, arity: number): (string | number)[] | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === arity && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return value as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw badInput('after', 'is not a cursor from this list');
}

/** Builds a connection from one page fetched with `limit + 1` rows. */
export function toConnection<R, T>(
  rows: R[],
  limit: number,
  totalCount: number,
  hadCursor: boolean,
  cursorOf: (row: R) => string,
  toNode: (row: R) => T,
): ConnectionShape<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: toNode(row) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

export interface ListArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * A page of a list held in memory (a cloud's answer): `after` is the id of the last item of
 * the previous page; an id no longer in the list is refused like any foreign cursor.
 */
export function pageOf<T>(items: T[], args: ListArgs, idOf: (item: T) => string): ConnectionShape<T> {
  const limit = pageSize(args.first);
  const cursor = decodeCursor(args.after, 1);
  let start = 0;
  if (cursor) {
    const index = items.findIndex((item) => idOf(item) === cursor[0]);
    if (index < 0) throw badInput('after', 'is not a cursor from this list');
    start = index + 1;
  }
  return toConnection(items.slice(start, start + limit + 1), limit, items.length, !!cursor, (item) => encodeCursor([idOf(item)]), (item) => item);
}
