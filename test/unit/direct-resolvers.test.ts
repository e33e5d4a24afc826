import { isObjectType, type GraphQLResolveInfo } from 'graphql';
import { graphSchema } from '../../src/graph/schema';
import { InstanceResolver } from '../../src/graph/instance/instance.resolver';
import { Instance } from '../../src/graph/instance/instance.type';
import { JobResolver } from '../../src/graph/job/job.resolver';

/*
 * Field resolvers with no guard or middleware, whose parameters need no conversion, are called
 * directly instead of through type-graphql's wrapper; a root that is not yet of the field's
 * class still goes through the wrapper, which makes it one.
 */
const schema = graphSchema();
const field = (type: string, name: string) => {
  const t = schema.getType(type);
  if (!isObjectType(t)) throw new Error(type);
  return t.getFields()[name];
};
const info = {} as GraphQLResolveInfo;

afterEach(() => jest.restoreAllMocks());

test('a root of the field’s class reaches the method directly, with the same answer', () => {
  const seen: unknown[] = [];
  const scope = { loaders: { volumesOfInstance: { get: (id: string) => (seen.push(id), []) } } };
  const root = Object.assign(new Instance(), { scope, cloudId: 'i-1' });
  // The wrapper looks the method up on each call; the direct call was bound when the schema was built.
  const viaWrapper = jest.spyOn(InstanceResolver.prototype, 'volumes');
  expect(field('Instance', 'volumes').resolve!(root, {}, {}, info)).toEqual([]);
  expect(viaWrapper).not.toHaveBeenCalled();
  expect(seen).toEqual(['i-1']);
});

test('a plain root goes through the wrapper, which makes it an instance of the class first', () => {
  const scope = { loaders: { volumesOfInstance: { get: () => [] } } };
  const viaWrapper = jest.spyOn(InstanceResolver.prototype, 'volumes');
  expect(field('Instance', 'volumes').resolve!({ scope, cloudId: 'i-2' }, {}, {}, info)).toEqual([]);
  expect(viaWrapper).toHaveBeenCalledTimes(1);
  expect(viaWrapper.mock.calls[0][0]).toBeInstanceOf(Instance);
});

test('a resolver with an @Arg keeps the wrapper, which hands it the argument by itself', async () => {
  const events = jest.spyOn(JobResolver.prototype, 'events').mockResolvedValue([]);
  const ctx = {};
  await field('Job', 'events').resolve!({ row: { id: 'j' } }, { afterSeq: 5 }, ctx, info);
  expect(events).toHaveBeenCalledTimes(1);
  expect(events.mock.calls[0].slice(1)).toEqual([ctx, 5]);
});
