import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Resolver, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import { AuditedMutation } from '../audit/audit.middleware';
import type { Context } from '../context';
import { JobPayload } from '../job/payload';
import { redactedMessage } from './work-order.message';
import { WorkOrder } from './work-order.type';

export const SubmitWorkOrderPayload = JobPayload(
  'SubmitWorkOrder',
  'workOrder',
  WorkOrder,
  'The order once its job ended; an order received before, as it stands.',
);

/**
 * The audit log keeps every mutation's arguments, and a work order carries the VM's root
 * password: the audit is given the message with its secrets replaced, and the resolver reads
 * the message as sent from here (one entry per field execution).
 */
const sent = new WeakMap<GraphQLResolveInfo, string>();

/** Runs before the audit: a field's middlewares run in the order its decorators are written. */
const keepSecretsFromAudit: MiddlewareFn<Context> = ({ args, info }, next) => {
  if (typeof args.msg === 'string') {
    sent.set(info, args.msg);
    args.msg = redactedMessage(args.msg);
  }
  return next();
};

@Resolver()
export class WorkOrderMutations {
  @UseMiddleware(keepSecretsFromAudit)
  @AuditedMutation(() => SubmitWorkOrderPayload, {
    access: 'ADMIN',
    description:
      'Receives a work order of the billing system (`msg`: its JSON, as POST /api/msg/order/ takes it) and provisions it as one job for the order’s user: the VM, its volumes attached, its floating IPs associated; all of it, or nothing (what was made is removed again). The result is reported to the order’s msghandler_url. The same workOrderId again answers the first order and provisions nothing.',
  })
  async submitWorkOrder(@Arg('msg', () => String) msg: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const { job, workOrder } = await ctx.services.workOrders.submit(ctx, sent.get(info) ?? msg);
    return { job, workOrder };
  }
}
