import { Ctx, FieldResolver, Resolver, Root, type ClassType } from 'type-graphql';
import { notFound } from '../../errors';
import type { Context } from '../context';
import { Datacenter } from '../datacenter/datacenter.type';
import type { TenantResource } from './resource';
import { Tenancy } from './tenancy.type';

/** The fields every cloud resource has: its tenancy and its datacenter, from its scope (no call). */
export function resourceFields<T extends TenantResource>(type: ClassType<T>) {
  @Resolver(() => type)
  class ResourceFields {
    @FieldResolver(() => Tenancy)
    tenancy(@Root() resource: T): Tenancy {
      return Tenancy.fromRow(resource.scope.tenancy);
    }

    @FieldResolver(() => Datacenter)
    datacenter(@Root() resource: T, @Ctx() _ctx: Context): Datacenter {
      if (!resource.scope.datacenter) throw notFound('Datacenter');
      return Datacenter.fromRow(resource.scope.datacenter);
    }
  }
  return ResourceFields;
}
