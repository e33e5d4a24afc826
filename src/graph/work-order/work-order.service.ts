import { and, asc, desc, eq, gte, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { CloudError } from '../../clouds/driver';
import { AppError, ErrorCode, badInput, conflict, type AppErrorDetails } from '../../errors';
import { errorInfo, errorOf, JobCancelled, JobDeadlineExceeded, type JobErrorInfo, type JobRun } from '../../jobs/journal';
import {
  datacenters,
  jobs,
  tenancies,
  workOrderItems,
  workOrders,
  type DatacenterRow,
  type JobRow,
  type TenancyRow,
  type UserRow,
  type WorkOrderItemRow,
  type WorkOrderRow,
} from '../../store/schema';
import { checkAccess } from '../access';
import type { Context, Viewer } from '../context';
import { FloatingIpService } from '../floating-ip/floating-ip.service';
import { InstanceService } from '../instance/instance.service';
import { Instance } from '../instance/instance.type';
import { Job } from '../job/job.type';
import { decodeId, type ResourceKind } from '../node/global-id';
import type { AppDeps } from '../services';
import { findResource } from '../tenancy/resource-lookup';
import type { TenantScope } from '../tenancy/tenancy.scope';
import { Tenancy } from '../tenancy/tenancy.type';
import { VolumeService } from '../volume/volume.service';
import {
  configField,
  parseMessage,
  parseStoredOrder,
  withoutSecrets,
  type EbsItem,
  type NetworkItem,
  type VmItem,
  type WorkOrderMessage,
  type WorkOrderMessageItem,
} from './work-order.message';
import { deliverReport, orderReport, type CloudHandle } from './work-order.report';
import { workOrderReportRunner, workOrderRunner } from './work-order.runners';
import { WorkOrder } from './work-order.type';

export interface SubmitResult {
  /** The order's job: as it ended when the caller waited for it (`Prefer: wait=N`), else as it is now. */
  job: Job;
  workOrder: WorkOrder;
}

/** What an order's job keeps sealed: the VM's root password, which no table holds in clear. */
interface OrderSecrets {
  rootPassword?: string | null;
}

/** Why an order failed, as its report gives it. */
export interface ReportCause {
  code: string;
  message: string;
}

/** Where an order goes: its user, the datacenter of its platformId and the user's tenancy there. */
interface Target {
  user: UserRow;
  datacenter: DatacenterRow;
  tenancy: TenancyRow;
}

/** How long a second delivery of an order waits for the first one's job to be written. */
const FIRST_DELIVERY_WAIT_MS = 5_000;

export class WorkOrderService {
  constructor(private readonly deps: AppDeps) {}

  /** Admins: any order; users: only their own (anything else reads as absent). */
  async find(viewer: Viewer, workOrderId: string): Promise<WorkOrderRow | null> {
    const byId = eq(workOrders.workOrderId, workOrderId);
    const [row] = await this.deps.db
      .select()
      .from(workOrders)
      .where(viewer.role === 'ADMIN' ? byId : and(byId, eq(workOrders.userId, viewer.userId)));
    return row ?? null;
  }

  /**
   * In the order the billing system listed them: one insert gives every item the same
   * createdAt, and its item ids are increasing numbers (compared as such, master first).
   */
  items(order: WorkOrderRow): Promise<WorkOrderItemRow[]> {
    return this.deps.db
      .select()
      .from(workOrderItems)
      .where(eq(workOrderItems.workOrderId, order.id))
      .orderBy(asc(workOrderItems.createdAt), desc(workOrderItems.master), asc(sql`length(${workOrderItems.itemId})`), asc(workOrderItems.itemId));
  }

  async job(order: WorkOrderRow): Promise<JobRow | null> {
    if (!order.jobId) return null;
    const [row] = await this.deps.db.select().from(jobs).where(eq(jobs.id, order.jobId));
    return row ?? null;
  }

  /**
   * Receives a work order of the billing system (`msg`, as it sends it): checks it, stores it
   * and queues its job (workOrderRunner), which provisions it acting as the order's user: the
   * VM, then its volumes attached to it, then its floating IPs associated with it; if any step
   * fails, what the order made is removed again. The result is reported to the order's
   * `msghandler_url` afterwards. An order received before (same workOrderId) is answered as it
   * stands and provisions nothing.
   */
  async submit(ctx: Context, msg: string): Promise<SubmitResult> {
    checkAccess(ctx.viewer, 'ADMIN');
    const { order, raw } = parseMessage(msg);
    const known = await this.byWorkOrderId(order.workOrderId);
    if (known) return this.received(ctx, known);
    const target = await this.target(ctx, order);
    const stored = await this.store(order, raw, target.user);
    // Another delivery of the same order stored it in the meantime (the unique index decided).
    if (!stored) return this.received(ctx, (await this.byWorkOrderId(order.workOrderId))!);
    return this.provision(ctx, order, stored.order, target);
  }

  private async byWorkOrderId(workOrderId: string): Promise<WorkOrderRow | null> {
    const [row] = await this.deps.db.select().from(workOrders).where(eq(workOrders.workOrderId, workOrderId));
    return row ?? null;
  }

  /** An order received before, with its job; a delivery still writing its job is waited for briefly. */
  private async received(ctx: Context, row: WorkOrderRow): Promise<SubmitResult> {
    let current = row;
    for (let waited = 0; !current.jobId && waited < FIRST_DELIVERY_WAIT_MS; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = (await this.byWorkOrderId(row.workOrderId)) ?? current;
    }
    const job = await this.job(current);
    if (!job) throw conflict(`Work order ${row.workOrderId} is being received already: send it again in a moment.`, 'msg.workOrderId');
    // A caller that waits gets the first delivery's job as it ends, as the first caller does.
    const settled = await ctx.services.jobs.settle(job, ctx.waitMs ?? 0);
    return { job: Job.fromRow(settled), workOrder: WorkOrder.fromRow((await this.byWorkOrderId(row.workOrderId)) ?? current) };
  }

  private async target(ctx: Context, order: WorkOrderMessage): Promise<Target> {
    const user = await this.orderUser(order);
    const index = order.workOrderItems.findIndex((item) => item.resourceType === 'VM');
    const field = configField(index, 'platformId');
    const platformId = order.workOrderItems[index].workOrderItemConfig.platformId;
    const [datacenter] = await this.deps.db
      .select()
      .from(datacenters)
      .where(and(eq(datacenters.uuid, platformId), isNull(datacenters.removedAt)));
    if (!datacenter) throw badInput(field, `no datacenter has the platform id ${platformId}`);
    if (datacenter.state !== 'ENABLED') throw badInput(field, `the datacenter ${datacenter.shortName} is DISABLED: it takes no new resources`);
    const tenancy = (await ctx.services.tenancies.ofUser(user.id)).find((t) => t.row.datacenterId === datacenter.id)?.row;
    if (tenancy?.status !== 'ACTIVE') {
      const state = tenancy ? ` (its tenancy is ${tenancy.status})` : '';
      throw badInput(field, `${user.username} has no ACTIVE tenancy in ${datacenter.shortName}${state}: register the user there first`);
    }
    return { user, datacenter, tenancy };
  }

  /** The user of the order: by the billing system's user id, else its account id. */
  private async orderUser(order: WorkOrderMessage): Promise<UserRow> {
    const { userStore } = this.deps;
    const byUser = order.userId ? await userStore.byExternalId('ctUserId', order.userId) : null;
    const byAccount = order.accountId ? await userStore.byExternalId('ctAccountId', order.accountId) : null;
    if (byUser && byAccount && byUser.id !== byAccount.id) throw badInput('msg.accountId', 'is the account of another user than msg.userId');
    const user = byUser ?? byAccount;
    const field = order.userId ? 'msg.userId' : 'msg.accountId';
    if (!user) throw badInput(field, order.userId && order.accountId ? 'no user has this userId, nor msg.accountId' : 'no user has this id');
    if (!user.active) throw badInput(field, `the user ${user.username} is deactivated`);
    return user;
  }

  /** The order and its items, in one transaction; null when the workOrderId is taken. Secrets are not stored. */
  private async store(order: WorkOrderMessage, raw: Record<string, unknown>, user: UserRow): Promise<{ order: WorkOrderRow; items: WorkOrderItemRow[] } | null> {
    const payload = withoutSecrets(raw) as Record<string, unknown> & { workOrderItems: { workOrderItemConfig?: unknown }[] };
    return this.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(workOrders)
        .values({
          workOrderId: order.workOrderId,
          workOrderType: order.workOrderType,
          orderId: order.orderId ?? null,
          externalUserId: order.userId ?? null,
          externalAccountId: order.accountId ?? null,
          userId: user.id,
          status: 'RECEIVED',
          msghandlerUrl: order.msghandler_url,
          payload,
        })
        .onConflictDoNothing({ target: workOrders.workOrderId })
        .returning();
      if (!row) return null;
      const items = await tx
        .insert(workOrderItems)
        .values(
          order.workOrderItems.map((item, i) => ({
            workOrderId: row.id,
            itemId: item.workOrderItemId,
            resourceType: item.resourceType,
            billingResourceId: item.resourceId ?? null,
            master: item.resourceType === 'VM',
            masterResourceId: item.masterResourceId ?? null,
            config: (payload.workOrderItems[i]?.workOrderItemConfig ?? {}) as object,
            status: 'PENDING' as const,
          })),
        )
        .returning();
      return { order: row, items };
    });
  }

  /**
   * Queues the order's job, acting for the order's user (its jobs are the user's; the worker
   * acts as the administrator who sent it, and the order's steps as the user). The root
   * password travels sealed in the job, never in its payload.
   */
  private async provision(ctx: Context, order: WorkOrderMessage, row: WorkOrderRow, target: Target): Promise<SubmitResult> {
    const { user, datacenter, tenancy } = target;
    const vm = order.workOrderItems.find((item): item is VmItem => item.resourceType === 'VM')!;
    const rootPassword = vm.workOrderItemConfig.rootPassword ?? null;
    const queued = await ctx.services.jobs.enqueue({
      kind: 'workOrder',
      viewer: ctx.viewer!,
      userId: user.id,
      datacenterId: datacenter.id,
      datacenterName: datacenter.shortName,
      tenancyId: tenancy.id,
      payload: { workOrderRowId: row.id },
      runner: workOrderRunner.name,
      secrets: rootPassword ? ({ rootPassword } satisfies OrderSecrets) : undefined,
    });
    // A second delivery of the order answers with this job.
    await this.deps.db.update(workOrders).set({ jobId: queued.id, updatedAt: new Date() }).where(eq(workOrders.id, row.id));
    const job = await ctx.services.jobs.settle(queued, ctx.waitMs ?? 0);
    const [current] = await this.deps.db.select().from(workOrders).where(eq(workOrders.id, row.id));
    return { job: Job.fromRow(job), workOrder: WorkOrder.fromRow(current) };
  }

  /**
   * The work of an order's job (workOrderRunner): provisions its items as the order's user,
   * removes what it made when a step fails, and queues the report. A resumed job goes on from
   * what the items recorded: an item DONE is not provisioned again.
   */
  async runOrder(ctx: Context, workOrderRowId: string, run: JobRun, job: JobRow): Promise<{ workOrderId: string; status: string }> {
    const [row] = await this.deps.db.select().from(workOrders).where(eq(workOrders.id, workOrderRowId));
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, 'The work order of this job no longer exists.');
    const order = parseStoredOrder(row.payload);
    const vm = order.workOrderItems.find((item): item is VmItem => item.resourceType === 'VM')!;
    // The stored order reads [redacted] there.
    vm.workOrderItemConfig.rootPassword = ctx.services.jobs.secretsOf<OrderSecrets>(job)?.rootPassword ?? null;
    const target = await this.targetOf(row, job);
    const { user } = target;
    const viewer: Viewer = { userId: user.id, role: user.role, username: user.username, sessionId: null, apiKeyId: null };
    // The cloud work is the user's own, with the ownership checks every user's request has.
    const asUser: Context = { ...ctx, viewer, log: ctx.log.child({ workOrderId: row.workOrderId }) };
    const items = await this.items(row);
    const provisioning = new Provisioning(this.deps, asUser, order, row, new Map(items.map((item) => [item.itemId, item])), target, run, job.attempts);
    const failure = await provisioning.provision();
    if (row.msghandlerUrl) {
      // Its own job: the order's ends now, whatever the billing system's handler takes to answer.
      await onceEvenIfCancelled(run, 'report', async () => {
        const cause: ReportCause | null = failure ? { code: failure.info.code, message: failure.info.message } : null;
        const report = await ctx.services.jobs.enqueue({
          kind: 'workOrderReport',
          viewer: ctx.viewer!,
          userId: user.id,
          datacenterId: target.datacenter.id,
          datacenterName: target.datacenter.shortName,
          tenancyId: target.tenancy.id,
          payload: { workOrderRowId: row.id, cause },
          runner: workOrderReportRunner.name,
        });
        return report.id;
      });
    }
    if (failure) throw failure.error;
    return { workOrderId: row.workOrderId, status: 'SUCCEEDED' };
  }

  /** Sends the report of an ended order (workOrderReportRunner), unless it went already. */
  async report(workOrderRowId: string, cause: ReportCause | null): Promise<string | null> {
    const [row] = await this.deps.db.select().from(workOrders).where(eq(workOrders.id, workOrderRowId));
    if (!row) return null;
    if (!row.reportOutcome) await deliverReport(this.deps, row, orderReport(row, await this.items(row), cause));
    const [after] = await this.deps.db.select({ outcome: workOrders.reportOutcome }).from(workOrders).where(eq(workOrders.id, workOrderRowId));
    return after?.outcome ?? null;
  }

  /** The user, datacenter and tenancy of a stored order, as its job names them. */
  private async targetOf(row: WorkOrderRow, job: JobRow): Promise<Target> {
    const user = row.userId ? await this.deps.userStore.byId(row.userId, true) : null;
    const [datacenter] = job.datacenterId ? await this.deps.db.select().from(datacenters).where(eq(datacenters.id, job.datacenterId)) : [];
    const [tenancy] = job.tenancyId ? await this.deps.db.select().from(tenancies).where(eq(tenancies.id, job.tenancyId)) : [];
    if (!user || !datacenter || !tenancy) throw new AppError(ErrorCode.NOT_FOUND, `The user, datacenter or tenancy of work order ${row.workOrderId} no longer exists.`);
    return { user, datacenter, tenancy };
  }
}

/** The fields of the services' inputs, as the order names them. */
const VM_FIELDS: Record<string, string> = {
  'input.name': 'vmName',
  'input.imageId': 'imageId',
  'input.cpu': 'cpuNum',
  'input.memoryMb': 'memSize',
  'input.flavorId': 'cpuNum',
  'input.zoneId': 'zoneId',
  'input.networkId': 'networkId',
  'input.subnetId': 'networkId',
  'input.securityGroupIds': 'securityGroupId',
  'input.securityGroupIds.0': 'securityGroupId',
  'input.keyPairId': 'keyPairId',
  'input.adminPassword': 'rootPassword',
  'input.rootDiskGb': 'sysVolumeSize',
  'input.tenancyId': 'platformId',
};
const EBS_FIELDS: Record<string, string> = {
  'input.name': 'volumeName',
  'input.sizeGb': 'volumeSize',
  'input.type': 'volumeType',
  'input.zoneId': 'zoneId',
  'input.tenancyId': 'platformId',
};
const NETWORK_FIELDS: Record<string, string> = {
  'input.bandwidthMbps': 'newBandwidthValue',
  'input.tenancyId': 'platformId',
};

/** A service's error naming its input's field, renamed to the order's field (`msg.workOrderItems.1.workOrderItemConfig.volumeSize`). */
function inOrderTerms(err: unknown, index: number, fields: Record<string, string>, extra: Record<string, string> = {}): unknown {
  if (!(err instanceof AppError) || !err.details.field) return err;
  const rename = (field: string) => extra[field] ?? (fields[field] ? configField(index, fields[field]) : field);
  const field = rename(err.details.field);
  if (field === err.details.field) return err;
  const message = err.message.startsWith(`${err.details.field}: `) ? `${field}: ${err.message.slice(err.details.field.length + 2)}` : err.message;
  const details: AppErrorDetails = { ...err.details, field, ...(err.details.fields ? { fields: err.details.fields.map((f) => ({ ...f, field: rename(f.field) })) } : {}) };
  return new AppError(err.code, message, details, { cause: err });
}

/** What an item keeps of a failure: the code and message, and the cloud's own words when a cloud refused. */
function failureOf(err: unknown): { code: string; message: string; field?: string; datacenter?: string; upstream?: unknown } {
  if (err instanceof CloudError) return { ...err.toInfo(), datacenter: err.datacenter };
  if (err instanceof AppError) return { code: err.code, message: err.message, ...(err.details.field ? { field: err.details.field } : {}) };
  return { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Unexpected error.' };
}

/** Something the order made, and how to remove it again. */
interface Made {
  item: WorkOrderItemRow;
  what: string;
  remove(): Promise<void>;
}

/** A failed order, rolled back: the error its job ends with, and what the job keeps of it. */
interface OrderFailure {
  error: unknown;
  info: JobErrorInfo;
}

/** Worth another attempt of the job rather than a rollback: the cloud could not be reached (the engine's rule). */
function transient(err: unknown): boolean {
  if (err instanceof JobDeadlineExceeded) return false;
  return (err instanceof CloudError || err instanceof AppError) && err.code === ErrorCode.UPSTREAM_UNAVAILABLE;
}

/** The error a failure kept in the job's state stands for, for a job resumed after it. */
function revived(info: JobErrorInfo): Error {
  if (info.code === ErrorCode.CONFLICT && info.message === new JobCancelled().message) return new JobCancelled();
  return errorOf(info);
}

/**
 * `run.once`, also in a job asked to stop: the ending of an order (its failure recorded, its
 * report queued) is done even then. A worker that stops or lost the job still stops here.
 */
export async function onceEvenIfCancelled<T>(run: JobRun, key: string, step: () => Promise<T>): Promise<T> {
  try {
    return await run.once(key, step);
  } catch (err) {
    if (err instanceof JobCancelled) return step();
    throw err;
  }
}

/** Removal order of what an order made: its floating IPs and volumes before its VM. */
const MADE_RANK: Record<CloudHandle['kind'], number> = { Instance: 0, Volume: 1, FloatingIp: 2 };

/**
 * One run (one attempt of the job) of an order's provisioning: the steps, what each made, and
 * the rollback. What earlier attempts made is on the items (status, resourceGlobalId,
 * cloudHandle): an item DONE is not provisioned again, and the rollback removes what any
 * attempt made.
 */
class Provisioning {
  /** By item row id, in the order things were made. */
  private readonly made = new Map<string, Made>();
  private readonly tenancyId: string;
  private scope!: TenantScope;

  constructor(
    private readonly deps: AppDeps,
    private readonly ctx: Context,
    private readonly order: WorkOrderMessage,
    private readonly row: WorkOrderRow,
    private readonly items: Map<string, WorkOrderItemRow>,
    private readonly target: Target,
    private readonly run: JobRun,
    /** This attempt of the job, from 1. */
    private readonly attempt: number,
  ) {
    this.tenancyId = Tenancy.globalId(target.tenancy.id);
    const recorded = [...items.values()]
      .filter((item) => item.resourceGlobalId && item.cloudHandle && item.status !== 'ROLLED_BACK')
      .sort((a, b) => MADE_RANK[(a.cloudHandle as CloudHandle).kind] - MADE_RANK[(b.cloudHandle as CloudHandle).kind]);
    for (const item of recorded) {
      const handle = item.cloudHandle as CloudHandle;
      const config = item.config as { vmName?: string; volumeName?: string };
      const what =
        handle.kind === 'Instance' ? `VM ${config.vmName ?? handle.cloudId}` : handle.kind === 'Volume' ? `volume ${config.volumeName ?? handle.cloudId}` : `floating IP ${handle.address ?? handle.cloudId}`;
      this.made.set(item.id, { item, what, remove: this.removal(handle.kind, item.resourceGlobalId!) });
    }
  }

  /** Null when the order is provisioned; else its failure, once what it made is removed. */
  async provision(): Promise<OrderFailure | null> {
    const [current] = await this.deps.db.select().from(workOrders).where(eq(workOrders.id, this.row.id));
    if (current?.status === 'SUCCEEDED') return null;
    if (current?.status === 'FAILED') {
      // An earlier attempt failed and began the rollback: this one finishes it.
      const info = await onceEvenIfCancelled(this.run, 'failure', async (): Promise<JobErrorInfo> => ({
        code: ErrorCode.INTERNAL_SERVER_ERROR,
        message: `Work order ${this.row.workOrderId} failed.`,
        upstream: null,
      }));
      await this.rollback();
      return { error: revived(info), info };
    }
    await this.deps.db.update(workOrders).set({ status: 'PROVISIONING', jobId: this.run.id, updatedAt: new Date() }).where(eq(workOrders.id, this.row.id));
    const { run } = this;
    const indexed = this.order.workOrderItems.map((item, index) => ({ item, index }));
    const vm = indexed.find((e): e is { item: VmItem; index: number } => e.item.resourceType === 'VM')!;
    const volumes = indexed.filter((e): e is { item: EbsItem; index: number } => e.item.resourceType === 'EBS');
    const ips = indexed.filter((e): e is { item: NetworkItem; index: number } => e.item.resourceType === 'NETWORK');
    const total = 1 + volumes.length + ips.length;
    const percent = (done: number) => Math.round(5 + (done / total) * 85);
    const done = (item: WorkOrderMessageItem) => this.items.get(item.workOrderItemId)!.status === 'DONE';
    try {
      const scope = (this.scope = await this.ctx.services.tenancies.scope(this.ctx.viewer!, this.target.tenancy.id));
      let vmMade: { instance: Instance; networkId: string };
      if (done(vm.item)) {
        vmMade = await this.doneVm(scope, vm.item, vm.index);
      } else {
        await run.progress(percent(0), `VM ${vm.item.workOrderItemConfig.vmName}: creating`);
        vmMade = await this.step(vm.item, () => this.createVm(scope, vm.item, vm.index));
      }
      const { instance, networkId } = vmMade;
      await run.setResource(instance.id);
      await run.progress(percent(1), `VM ${instance.name}: ${instance.status}`);
      for (const [i, { item, index }] of volumes.entries()) {
        if (done(item)) continue;
        await this.step(item, () => this.createVolume(instance, item, index));
        await run.progress(percent(2 + i), `volume ${item.workOrderItemConfig.volumeName}: attached to ${instance.name}`);
      }
      for (const [i, { item, index }] of ips.entries()) {
        if (done(item)) continue;
        const address = await this.step(item, () => this.allocateIp(instance, networkId, item, index, vm.index));
        await run.progress(percent(1 + volumes.length + i + 1), `floating IP ${address}: associated with ${instance.name}`);
      }
      await this.deps.db.update(workOrders).set({ status: 'SUCCEEDED', updatedAt: new Date() }).where(eq(workOrders.id, this.row.id));
      return null;
    } catch (err) {
      return this.failed(err);
    }
  }

  /** A step failed: the job tries again when the cloud was out of reach; else the order fails, and what it made is removed. */
  private async failed(err: unknown): Promise<OrderFailure> {
    // Another attempt goes on from here, with what was made.
    if (this.retried(err)) throw err;
    // Kept before anything is undone: a job resumed during the rollback finishes it, and fails
    // the same way. A worker stopping or losing the job stops here (the check throws again).
    const info = await onceEvenIfCancelled(this.run, 'failure', async () => errorInfo(err));
    if (!(err instanceof AppError) && !(err instanceof CloudError)) this.ctx.log.error({ err }, 'work order step failed');
    await this.deps.db.update(workOrders).set({ status: 'FAILED', updatedAt: new Date() }).where(eq(workOrders.id, this.row.id));
    await this.rollback();
    return { error: err, info };
  }

  private retried(err: unknown): boolean {
    return transient(err) && this.attempt < this.deps.config.jobs.maxAttempts;
  }

  /** Runs an item's step: PROVISIONING, then DONE, or FAILED with the error (rethrown); PENDING again when the job will try again. */
  private async step<T>(item: WorkOrderMessageItem, work: () => Promise<T>): Promise<T> {
    const row = this.items.get(item.workOrderItemId)!;
    await this.setItem(row, { status: 'PROVISIONING' });
    try {
      const result = await work();
      await this.setItem(row, { status: 'DONE', error: null });
      return result;
    } catch (err) {
      await this.setItem(row, { status: this.retried(err) ? 'PENDING' : 'FAILED', error: failureOf(err) });
      throw err;
    }
  }

  private async setItem(row: WorkOrderItemRow, values: Partial<Pick<WorkOrderItemRow, 'status' | 'error' | 'resourceGlobalId' | 'cloudHandle'>>): Promise<void> {
    Object.assign(row, values);
    await this.deps.db
      .update(workOrderItems)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(workOrderItems.id, row.id));
  }

  /** Records what an item made, before the next call can fail, so that a rollback (of this attempt or a later one) finds it. */
  private async madeBy(item: WorkOrderMessageItem, kind: CloudHandle['kind'], globalId: string, cloudId: string, what: string, extra: Partial<CloudHandle> = {}) {
    const row = this.items.get(item.workOrderItemId)!;
    const handle: CloudHandle = { kind, cloudId, datacenterId: this.target.datacenter.id, tenancyId: this.target.tenancy.id, ...extra };
    await this.setItem(row, { resourceGlobalId: globalId, cloudHandle: handle });
    this.made.delete(row.id);
    this.made.set(row.id, { item: row, what, remove: this.removal(kind, globalId) });
  }

  private removal(kind: CloudHandle['kind'], id: string): () => Promise<void> {
    if (kind === 'Instance') return () => this.terminate(id);
    if (kind === 'Volume') return () => this.removeVolume(id);
    return () => this.removeIp(id);
  }

  /** The VM an earlier attempt made (its item DONE), as its cloud has it now. */
  private async doneVm(scope: TenantScope, item: VmItem, index: number): Promise<{ instance: Instance; networkId: string }> {
    const c = item.workOrderItemConfig;
    const id = this.items.get(item.workOrderItemId)!.resourceGlobalId;
    const found = id ? await this.exists(id, 'Instance') : null;
    if (!found || found.model.status === 'DELETED') throw conflict(`The VM ${c.vmName} this order made is gone from its cloud.`);
    return { instance: Instance.from(found.scope, found.model), networkId: await this.network(scope, c.networkId ?? null, index) };
  }

  private async createVm(scope: TenantScope, item: VmItem, index: number): Promise<{ instance: Instance; networkId: string }> {
    const c = item.workOrderItemConfig;
    const networkId = await this.network(scope, c.networkId ?? null, index);
    const earlier = await this.earlierVm(item);
    if (earlier) return { instance: earlier, networkId };
    try {
      const { instance } = await new InstanceService(this.ctx).create({
        tenancyId: this.tenancyId,
        name: c.vmName,
        imageId: c.imageId,
        cpu: c.cpuNum,
        memoryMb: Math.round(c.memSize * 1024),
        zoneId: c.zoneId ?? null,
        networkId,
        securityGroupIds: c.securityGroupId ? [globalIdOf(scope, 'SecurityGroup', c.securityGroupId)] : null,
        keyPairId: c.keyPairId ? globalIdOf(scope, 'KeyPair', c.keyPairId) : null,
        adminPassword: c.rootPassword ?? null,
        // The system disk as sold (its type is the cloud's default for root disks).
        rootDiskGb: c.sysVolumeSize ?? null,
      });
      if (!instance) throw new AppError(ErrorCode.UPSTREAM_ERROR, `The instance ${c.vmName} was made, but its cloud does not list it.`);
      await this.madeBy(item, 'Instance', instance.id, instance.cloudId, `VM ${instance.name}`);
      return { instance, networkId };
    } catch (err) {
      // An instance that failed to build (ERROR) still exists; its create job named it before the wait.
      const stranded = await this.strandedInstance();
      if (stranded) await this.madeBy(item, 'Instance', stranded, decodeId(stranded)!.parts[2], `VM ${c.vmName}`);
      throw inOrderTerms(err, index, VM_FIELDS);
    }
  }

  /**
   * A VM an earlier attempt of the job made, or began, before it stopped (its worker died, or
   * the cloud was out of reach): the item's when it runs, so that it is not made twice; removed
   * when it did not build, and the VM is made anew.
   */
  private async earlierVm(item: VmItem): Promise<Instance | null> {
    if (this.attempt <= 1) return null;
    const recorded = this.items.get(item.workOrderItemId)!.resourceGlobalId;
    const ids = [...new Set([...(recorded ? [recorded] : []), ...(await this.createdInstances(item.workOrderItemConfig.vmName))])];
    let adopted: Instance | null = null;
    for (const id of ids) {
      const found = await this.exists(id, 'Instance');
      if (!found || found.model.status === 'DELETED') continue;
      if (!adopted && found.model.status === 'RUNNING') {
        adopted = Instance.from(found.scope, found.model);
        await this.madeBy(item, 'Instance', adopted.id, adopted.cloudId, `VM ${adopted.name}`);
      } else {
        await this.terminate(id);
      }
    }
    return adopted;
  }

  /** When this order's job was written: its createInstance steps are written after. */
  private async since(): Promise<Date> {
    const [own] = await this.deps.db.select({ createdAt: jobs.createdAt }).from(jobs).where(eq(jobs.id, this.run.id));
    return own.createdAt;
  }

  /** The instances createInstance steps of this order's job named (newest first), whatever became of them. */
  private async createdInstances(name: string): Promise<string[]> {
    return this.instancesOfSteps(sql`${jobs.payload}->>'name' = ${name}`);
  }

  /** The instance a failed createInstance job of this order's run recorded, if any. */
  private async strandedInstance(): Promise<string | null> {
    return (await this.instancesOfSteps(eq(jobs.status, 'FAILED'), 1))[0] ?? null;
  }

  /** Resources recorded by this order's createInstance steps that match `filter`, newest first. */
  private async instancesOfSteps(filter: SQL, limit = 1000): Promise<string[]> {
    const rows = await this.deps.db
      .select({ resourceId: jobs.resourceId })
      .from(jobs)
      .where(
        and(
          eq(jobs.kind, 'createInstance'),
          eq(jobs.tenancyId, this.target.tenancy.id),
          eq(jobs.userId, this.target.user.id),
          gte(jobs.createdAt, await this.since()),
          isNotNull(jobs.resourceId),
          filter,
        ),
      )
      .orderBy(desc(jobs.createdAt))
      .limit(limit);
    return rows.map((r) => r.resourceId!);
  }

  /**
   * The network the order names; without one (the billing system sends ""), the user's default
   * network (`<username>-vpc`, as initializeUser makes it), else its only one.
   */
  private async network(scope: TenantScope, networkId: string | null, index: number): Promise<string> {
    if (networkId) return globalIdOf(scope, 'Network', networkId);
    const { username } = this.target.user;
    const dc = this.target.datacenter.shortName;
    const networks = await scope.loaders.allNetworks();
    const chosen = networks.find((n) => n.name === `${username}-vpc`) ?? (networks.length === 1 ? networks[0] : null);
    if (chosen) return scope.id('Network', chosen.id);
    throw badInput(
      configField(index, 'networkId'),
      networks.length
        ? `is empty and ${username} has ${networks.length} networks in ${dc}, none named ${username}-vpc: name the network`
        : `is empty and ${username} has no network in ${dc}: initialize the user there (initializeUser) or name a network`,
    );
  }

  private async createVolume(vm: Instance, item: EbsItem, index: number): Promise<void> {
    const c = item.workOrderItemConfig;
    const volumes = new VolumeService(this.ctx);
    try {
      // Made by an earlier attempt, which stopped before it was attached: not made again.
      const recorded = this.items.get(item.workOrderItemId)!.resourceGlobalId;
      const earlier = recorded ? await this.exists(recorded, 'Volume') : null;
      let volumeId: string;
      if (recorded && earlier) {
        if (earlier.model.instanceId === vm.cloudId) return;
        volumeId = recorded;
      } else {
        // The VM's zone by default: CloudStack attaches only within a zone.
        const { volume } = await volumes.create({ tenancyId: this.tenancyId, name: c.volumeName, sizeGb: c.volumeSize, type: c.volumeType ?? null, zoneId: c.zoneId ?? vm.zoneId });
        if (!volume) throw new AppError(ErrorCode.UPSTREAM_ERROR, `The volume ${c.volumeName} was made, but its cloud does not list it.`);
        await this.madeBy(item, 'Volume', volume.id, volume.cloudId, `volume ${volume.name}`);
        volumeId = volume.id;
      }
      await volumes.attach(volumeId, vm.id);
    } catch (err) {
      throw inOrderTerms(err, index, EBS_FIELDS);
    }
  }

  private async allocateIp(vm: Instance, networkId: string, item: NetworkItem, index: number, vmIndex: number): Promise<string> {
    const c = item.workOrderItemConfig;
    const ips = new FloatingIpService(this.ctx);
    try {
      // Allocated by an earlier attempt, which stopped before it was associated: not allocated again.
      const row = this.items.get(item.workOrderItemId)!;
      const earlier = row.resourceGlobalId ? await this.exists(row.resourceGlobalId, 'FloatingIp') : null;
      let ipId: string;
      let address: string;
      if (row.resourceGlobalId && earlier) {
        ipId = row.resourceGlobalId;
        address = (row.cloudHandle as CloudHandle | null)?.address ?? earlier.model.address;
        if (earlier.model.instanceId === vm.cloudId) return address;
      } else {
        // On the VM's network: CloudStack allocates in that network's VPC.
        const { floatingIp } = await ips.allocate({ tenancyId: this.tenancyId, bandwidthMbps: c.newBandwidthValue, networkId });
        if (!floatingIp) throw new AppError(ErrorCode.UPSTREAM_ERROR, 'The floating IP was allocated, but its cloud does not list it.');
        await this.madeBy(item, 'FloatingIp', floatingIp.id, floatingIp.cloudId, `floating IP ${floatingIp.address}`, { address: floatingIp.address });
        ipId = floatingIp.id;
        address = floatingIp.address;
      }
      await ips.associate(ipId, vm.id);
      return address;
    } catch (err) {
      throw inOrderTerms(err, index, NETWORK_FIELDS, { 'input.networkId': configField(vmIndex, 'networkId') });
    }
  }

  /**
   * Removes what the order made, last made first. Each removal reads the resource as the cloud
   * has it now, so one left half-way (attached or not, associated or not) goes too, and one gone
   * already (removed by an earlier attempt) is passed over; a removal that fails is recorded on
   * its item and the others still run.
   */
  private async rollback(): Promise<void> {
    const made = [...this.made.values()].reverse();
    for (const [i, m] of made.entries()) {
      await this.note(95, `rolling back ${m.what} (${i + 1} of ${made.length})`);
      try {
        await m.remove();
        // The item that failed keeps FAILED and its error; the others were undone.
        if (m.item.status !== 'FAILED') await this.setItem(m.item, { status: 'ROLLED_BACK' });
      } catch (err) {
        const failure = failureOf(err);
        this.ctx.log.error({ err: failure, item: m.item.itemId }, 'work order rollback step failed');
        await this.setItem(m.item, { status: 'FAILED', error: { ...failure, message: `Rollback failed: ${failure.message}`, rollback: true } });
      }
    }
  }

  /** Progress of the rollback, which goes on in a job asked to stop (what the order made goes all the same). */
  private async note(percent: number, message: string): Promise<void> {
    try {
      await this.run.progress(percent, message);
    } catch (err) {
      if (!(err instanceof JobCancelled)) throw err;
    }
  }

  private async terminate(id: string): Promise<void> {
    const instance = await this.exists(id, 'Instance');
    // CloudStack lists a terminated instance (DELETED) until it is expunged.
    if (!instance || instance.model.status === 'DELETED') return;
    await new InstanceService(this.ctx).terminate(id);
  }

  private async removeVolume(id: string): Promise<void> {
    const volume = await this.exists(id, 'Volume');
    if (!volume) return;
    const volumes = new VolumeService(this.ctx);
    if (volume.model.instanceId) await volumes.detach(id);
    await volumes.delete(id);
  }

  private async removeIp(id: string): Promise<void> {
    const ip = await this.exists(id, 'FloatingIp');
    if (!ip) return;
    const ips = new FloatingIpService(this.ctx);
    if (ip.model.instanceId) await ips.disassociate(id);
    await ips.release(id);
  }

  /** The resource as its cloud has it now; null once it is gone. */
  private async exists<K extends 'Instance' | 'Volume' | 'FloatingIp'>(id: string, kind: K) {
    this.scope?.loaders.clear();
    try {
      return await findResource(this.ctx, id, kind);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    }
  }
}

/** The order may name a resource by its global id or by its cloud id (key pairs: by name). */
function globalIdOf(scope: TenantScope, kind: ResourceKind, value: string): string {
  return decodeId(value)?.kind === kind ? value : scope.id(kind, value);
}

