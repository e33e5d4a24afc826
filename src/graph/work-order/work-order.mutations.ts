import { Arg, Ctx, Resolver, UseMiddleware, type MiddlewareFn } from 'type-graphql';
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
 * A billing message as the resolver receives it. The audit log keeps every mutation's
 * arguments, and a work order carries the VM's root password: what the audit can read of
 * this object is the message with its secrets replaced.
 */
class SealedMessage {
  readonly #text: string;
  readonly redacted: string;

  constructor(text: string) {
    this.#text = text;
    this.redacted = redactedMessage(text);
  }

  open(): string {
    return this.#text;
  }
}

/** Runs before the audit (decorators apply bottom-up, middlewares in the order collected). */
const sealMessage: MiddlewareFn<Context> = ({ args }, next) => {
  if (typeof args.msg === 'string') args.msg = new SealedMessage(args.msg);
  return next();
};

@Resolver()
export class WorkOrderMutations {
  @AuditedMutation(() => SubmitWorkOrderPayload, {
    access: 'ADMIN',
    description:
      'Receives a work order of the billing system (`msg`: its JSON, as POST /api/msg/order/ takes it) and provisions it as one job for the order’s user: the VM, its volumes attached, its floating IPs associated; all of it, or nothing (what was made is removed again). The result is reported to the order’s msghandler_url. The same workOrderId again answers the first order and provisions nothing.',
  })
  @UseMiddleware(sealMessage)
  async submitWorkOrder(@Arg('msg', () => String) msg: string | SealedMessage, @Ctx() ctx: Context) {
    const { job, workOrder } = await ctx.services.workOrders.submit(ctx, msg instanceof SealedMessage ? msg.open() : msg);
    return { job, workOrder };
  }
}
