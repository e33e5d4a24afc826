import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { WorkOrderItemRow, WorkOrderRow } from '../../store/schema';

export enum WorkOrderStatus {
  RECEIVED = 'RECEIVED',
  PROVISIONING = 'PROVISIONING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  ROLLED_BACK = 'ROLLED_BACK',
}
registerEnumType(WorkOrderStatus, { name: 'WorkOrderStatus' });

export enum WorkOrderItemStatus {
  PENDING = 'PENDING',
  PROVISIONING = 'PROVISIONING',
  DONE = 'DONE',
  FAILED = 'FAILED',
  ROLLED_BACK = 'ROLLED_BACK',
}
registerEnumType(WorkOrderItemStatus, { name: 'WorkOrderItemStatus' });

@ObjectType({ description: 'One item of a billing work order: a VM, an EBS volume or a bandwidth (floating IP).' })
export class WorkOrderItem {
  row!: WorkOrderItemRow;

  @Field({ description: 'workOrderItemId of the billing system.' }) itemId!: string;
  @Field({ description: 'VM, EBS or NETWORK.' }) resourceType!: string;
  @Field(() => String, { nullable: true, description: 'The id the billing system gave the resource.' }) billingResourceId!: string | null;
  @Field() master!: boolean;
  @Field(() => WorkOrderItemStatus) status!: WorkOrderItemStatus;
  @Field(() => GraphQLJSON, { nullable: true }) error!: unknown;

  static fromRow(row: WorkOrderItemRow): WorkOrderItem {
    return Object.assign(new WorkOrderItem(), {
      row,
      itemId: row.itemId,
      resourceType: row.resourceType,
      billingResourceId: row.billingResourceId,
      master: row.master,
      status: row.status as WorkOrderItemStatus,
      error: row.error,
    });
  }
}

@ObjectType({ description: 'An order of the billing system, provisioned as one unit.' })
export class WorkOrder {
  row!: WorkOrderRow;

  @Field() workOrderId!: string;
  @Field(() => String, { nullable: true }) orderId!: string | null;
  @Field(() => WorkOrderStatus) status!: WorkOrderStatus;
  @Field(() => Date, { nullable: true, description: 'When the billing system accepted the report of the result (null until it did).' })
  reportedAt!: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'How reporting the result went: `ACCEPTED: …` or, after the last attempt, `GAVE_UP: …` (null while it is being reported).',
  })
  reportOutcome!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;

  static fromRow(row: WorkOrderRow): WorkOrder {
    return Object.assign(new WorkOrder(), {
      row,
      workOrderId: row.workOrderId,
      orderId: row.orderId,
      status: row.status as WorkOrderStatus,
      reportedAt: row.reportedAt,
      reportOutcome: row.reportOutcome,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
}
