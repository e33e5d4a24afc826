import { Arg, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { Node } from '../node/node.interface';
import { nodeOrNull } from '../node/node.resolver';
import { WorkOrder, WorkOrderItem } from './work-order.type';

@Resolver(() => WorkOrder)
export class WorkOrderResolver {
  @Authorized()
  @Query(() => WorkOrder, { nullable: true, description: 'A billing work order by its workOrderId (admins: any; users: their own).' })
  async workOrder(@Arg('workOrderId') workOrderId: string, @Ctx() ctx: Context): Promise<WorkOrder | null> {
    const row = await ctx.services.workOrders.find(ctx.viewer!, workOrderId);
    return row ? WorkOrder.fromRow(row) : null;
  }

  @FieldResolver(() => [WorkOrderItem])
  async items(@Root() order: WorkOrder, @Ctx() ctx: Context): Promise<WorkOrderItem[]> {
    return (await ctx.services.workOrders.items(order.row)).map(WorkOrderItem.fromRow);
  }

  @FieldResolver(() => Job, { nullable: true })
  async job(@Root() order: WorkOrder, @Ctx() ctx: Context): Promise<Job | null> {
    const row = await ctx.services.workOrders.job(order.row);
    return row ? Job.fromRow(row) : null;
  }
}

@Resolver(() => WorkOrderItem)
export class WorkOrderItemResolver {
  @FieldResolver(() => Node, { nullable: true, description: 'What the item made, while it exists.' })
  async resource(@Root() item: WorkOrderItem, @Ctx() ctx: Context): Promise<Node | null> {
    return item.row.resourceGlobalId ? nodeOrNull(ctx, item.row.resourceGlobalId) : null;
  }
}
