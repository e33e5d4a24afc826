import { Field, Int, ObjectType } from 'type-graphql';
import type { Quota as QuotaModel } from '../../clouds/driver';

@ObjectType({ description: 'A limit and what is used of it; limit null = the cloud sets none.' })
export class QuotaItem {
  @Field(() => Int, { nullable: true }) limit!: number | null;
  @Field(() => Int) used!: number;
  @Field(() => Int, { nullable: true, description: 'limit - used; null without a limit.' }) available!: number | null;
}

@ObjectType({ description: "A tenancy's limits in its datacenter and what it uses." })
export class Quota {
  @Field(() => QuotaItem) instances!: QuotaItem;
  @Field(() => QuotaItem) cpu!: QuotaItem;
  @Field(() => QuotaItem) memoryMb!: QuotaItem;
  @Field(() => QuotaItem) volumes!: QuotaItem;
  @Field(() => QuotaItem) volumeGb!: QuotaItem;
  @Field(() => QuotaItem) floatingIps!: QuotaItem;
  @Field(() => QuotaItem) networks!: QuotaItem;

  static from(model: QuotaModel): Quota {
    const item = (q: { limit: number | null; used: number }): QuotaItem =>
      Object.assign(new QuotaItem(), { limit: q.limit, used: q.used, available: q.limit === null ? null : Math.max(0, q.limit - q.used) });
    return Object.assign(new Quota(), {
      instances: item(model.instances),
      cpu: item(model.cpu),
      memoryMb: item(model.memoryMb),
      volumes: item(model.volumes),
      volumeGb: item(model.volumeGb),
      floatingIps: item(model.floatingIps),
      networks: item(model.networks),
    });
  }
}
