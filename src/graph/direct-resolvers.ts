import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/*
 * type-graphql calls each @FieldResolver through a wrapper that, for every field of every object,
 * builds its resolver data, sorts and maps the method's parameters, converts the root to its
 * class and each args object to an instance of its class, and runs the (empty) middleware chain.
 * For a method with no guard and no middleware, whose parameters are the root, the context, the
 * info or an args class with nothing of its own to convert, that does nothing the method needs:
 * it is called directly. A root that is not already of the field's class (a plain object from
 * elsewhere) still goes through type-graphql's wrapper, which converts it.
 */

type Param = { kind: string; index: number; propertyName?: string; getType?: () => unknown };
type Def = {
  kind: 'internal' | 'external';
  target: new () => object;
  methodName: string;
  schemaName: string;
  params?: Param[];
  middlewares?: unknown[];
  roles?: unknown[];
  getObjectType?: () => unknown;
};

/** Replaces the wrapper of every field resolver that may skip it; returns how many were. */
export function directFieldResolvers(schema: GraphQLSchema): number {
  const storage = getMetadataStorage() as unknown as {
    fieldResolvers: Def[];
    objectTypes: { target: unknown; name: string }[];
    authorizedResolver: { target: unknown }[];
    resolverMiddlewares: { target: unknown }[];
  };
  const guardedClass = (target: unknown) =>
    storage.authorizedResolver.some((a) => a.target === target) || storage.resolverMiddlewares.some((m) => m.target === target);
  let replaced = 0;
  for (const def of storage.fieldResolvers) {
    if (def.kind !== 'external' || def.middlewares?.length || def.roles || guardedClass(def.target)) continue;
    const objectClass = def.getObjectType?.();
    const typeName = storage.objectTypes.find((o) => o.target === objectClass)?.name;
    const type = typeName ? schema.getType(typeName) : undefined;
    const field = isObjectType(type) ? type.getFields()[def.schemaName] : undefined;
    const params = [...(def.params ?? [])].sort((a, b) => a.index - b.index);
    if (!field?.resolve || typeof objectClass !== 'function' || !params.every(plain)) continue;
    const wrapped = field.resolve;
    const resolver = new def.target() as Record<string, (...args: unknown[]) => unknown>;
    const method = resolver[def.methodName];
    if (typeof method !== 'function') continue;
    const pick = params.map((p) => p.kind as 'root' | 'context' | 'info' | 'args');
    const call = direct(method.bind(resolver), pick);
    field.resolve = (root, args, context, info) => (root instanceof objectClass ? call(root, args, context, info) : wrapped(root, args, context, info));
    replaced++;
  }
  return replaced;
}

/** A parameter the method can be given as graphql-js has it. */
function plain(param: Param): boolean {
  if (param.kind === 'context' || param.kind === 'info') return !param.propertyName;
  if (param.kind === 'root') return !param.propertyName;
  if (param.kind === 'args') return argsNeedNoConversion(param.getType?.());
  return false;
}

/** An args class with no defaults, accessors or methods: an instance of it is the plain object with another prototype. */
function argsNeedNoConversion(type: unknown): boolean {
  if (typeof type !== 'function') return false;
  for (let proto = type.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (Object.getOwnPropertyNames(proto).some((name) => name !== 'constructor')) return false;
  }
  return Object.keys(new (type as new () => object)()).length === 0;
}

function direct(method: (...args: unknown[]) => unknown, pick: ('root' | 'context' | 'info' | 'args')[]): GraphQLFieldResolver<unknown, unknown> {
  const at = (kind: (typeof pick)[number], root: unknown, args: unknown, context: unknown, info: unknown) =>
    kind === 'root' ? root : kind === 'args' ? args : kind === 'context' ? context : info;
  switch (pick.length) {
    case 1:
      return (root, args, context, info) => method(at(pick[0], root, args, context, info));
    case 2:
      return (root, args, context, info) => method(at(pick[0], root, args, context, info), at(pick[1], root, args, context, info));
    default:
      return (root, args, context, info) => method(...pick.map((kind) => at(kind, root, args, context, info)));
  }
}
