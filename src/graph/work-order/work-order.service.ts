import { and, asc, desc, eq, gte, isNotNull, isNull, sql } from 'drizzle-orm';
import { CloudError } from '../../clouds/driver';
import { AppError, ErrorCode, badInput, conflict, type AppErrorDetails } from '../../errors';
import {
  datacenters,
  jobs,
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
import type { Instance } from '../instance/instance.type';
import type { JobRun } from '../job/job.service';
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
  withoutSecrets,
  type EbsItem,
  type NetworkItem,
  type VmItem,
  type WorkOrderMessage,
  type WorkOrderMessageItem,
} from './work-order.message';
import { deliverReport, orderReport, type CloudHandle } from './work-order.report';
import { WorkOrder } from './work-order.type';

export interface SubmitResult {
  job: Job;
  workOrder: WorkOrder;
  /** Settles once the billing system has the report (or it was given up); nobody has to wait for it. */
  reported: Promise<void>;
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
   * Receives a work order of the billing system (`msg`, as it sends it) and provisions it as
   * one job acting as the order's user: the VM, then its volumes attached to it, then its
   * floating IPs associated with it; if any step fails, what the order made is removed again.
   * The result is reported to the order's `msghandler_url` afterwards. An order received
   * before (same workOrderId) is answered as it stands and provisions nothing.
   */
  async submit(ctx: Context, msg: string): Promise<SubmitResult> {
    checkAccess(ctx.viewer, 'ADMIN');
    const { order, raw } = parseMessage(msg);
    const known = await this.byWorkOrderId(order.workOrderId);
    if (known) return this.received(known);
    const target = await this.target(ctx, order);
    const stored = await this.store(order, raw, target.user);
    // Another delivery of the same order stored it in the meantime (the unique index decided).
    if (!stored) return this.received((await this.byWorkOrderId(order.workOrderId))!);
    return this.provision(ctx, order, stored.order, stored.items, target);
  }

  private async byWorkOrderId(workOrderId: string): Promise<WorkOrderRow | null> {
    const [row] = await this.deps.db.select().from(workOrders).where(eq(workOrders.workOrderId, workOrderId));
    return row ?? null;
  }

  /** An order received before, with its job; a delivery still writing its job is waited for briefly. */
  private async received(row: WorkOrderRow): Promise<SubmitResult> {
    let current = row;
    for (let waited = 0; !current.jobId && waited < FIRST_DELIVERY_WAIT_MS; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = (await this.byWorkOrderId(row.workOrderId)) ?? current;
    }
    const job = await this.job(current);
    if (!job) throw conflict(`Work order ${row.workOrderId} is being received already: send it again in a moment.`, 'msg.workOrderId');
    return { job: Job.fromRow(job), workOrder: WorkOrder.fromRow(current), reported: Promise.resolve() };
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

  private async provision(ctx: Context, order: WorkOrderMessage, row: WorkOrderRow, items: WorkOrderItemRow[], target: Target): Promise<SubmitResult> {
    const { user, datacenter, tenancy } = target;
    const viewer: Viewer = { userId: user.id, role: user.role, username: user.username, sessionId: null, apiKeyId: null };
    // The cloud work is the user's own, with the ownership checks every user's request has.
    const asUser: Context = { ...ctx, viewer, log: ctx.log.child({ workOrderId: order.workOrderId }) };
    const spec = {
      kind: 'workOrder',
      viewer,
      userId: user.id,
      datacenterId: datacenter.id,
      datacenterName: datacenter.shortName,
      tenancyId: tenancy.id,
      payload: { workOrderId: order.workOrderId },
    };
    const byItemId = new Map(items.map((item) => [item.itemId, item]));
    const outcome = await ctx.services.jobs.attempt(spec, (run) => new Provisioning(this.deps, asUser, order, row, byItemId, target).run(run));
    const [final] = await this.deps.db.select().from(workOrders).where(eq(workOrders.id, row.id));
    const cause = 'error' in outcome ? failureOf(outcome.error) : null;
    const reported = deliverReport(this.deps, final, orderReport(final, await this.items(final), cause && { code: cause.code, message: cause.message }));
    return { job: outcome.job, workOrder: WorkOrder.fromRow(final), reported };
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

/** One run of an order's provisioning: the steps, what each made, and the rollback. */
class Provisioning {
  private readonly made: Made[] = [];
  private readonly tenancyId: string;
  private scope!: TenantScope;

  constructor(
    private readonly deps: AppDeps,
    private readonly ctx: Context,
    private readonly order: WorkOrderMessage,
    private readonly row: WorkOrderRow,
    private readonly items: Map<string, WorkOrderItemRow>,
    private readonly target: Target,
  ) {
    this.tenancyId = Tenancy.globalId(target.tenancy.id);
  }

  async run(run: JobRun): Promise<void> {
    await this.deps.db.update(workOrders).set({ status: 'PROVISIONING', jobId: run.id, updatedAt: new Date() }).where(eq(workOrders.id, this.row.id));
    const indexed = this.order.workOrderItems.map((item, index) => ({ item, index }));
    const vm = indexed.find((e): e is { item: VmItem; index: number } => e.item.resourceType === 'VM')!;
    const volumes = indexed.filter((e): e is { item: EbsItem; index: number } => e.item.resourceType === 'EBS');
    const ips = indexed.filter((e): e is { item: NetworkItem; index: number } => e.item.resourceType === 'NETWORK');
    const total = 1 + volumes.length + ips.length;
    const percent = (done: number) => Math.round(5 + (done / total) * 85);
    try {
      const scope = (this.scope = await this.ctx.services.tenancies.scope(this.ctx.viewer!, this.target.tenancy.id));
      await run.progress(percent(0), `VM ${vm.item.workOrderItemConfig.vmName}: creating`);
      const { instance, networkId } = await this.step(vm.item, () => this.createVm(run, scope, vm.item, vm.index));
      await run.setResource(instance.id);
      await run.progress(percent(1), `VM ${instance.name}: ${instance.status}`);
      for (const [i, { item, index }] of volumes.entries()) {
        await this.step(item, () => this.createVolume(instance, item, index));
        await run.progress(percent(2 + i), `volume ${item.workOrderItemConfig.volumeName}: attached to ${instance.name}`);
      }
      for (const [i, { item, index }] of ips.entries()) {
        const address = await this.step(item, () => this.allocateIp(instance, networkId, item, index, vm.index));
        await run.progress(percent(1 + volumes.length + i + 1), `floating IP ${address}: associated with ${instance.name}`);
      }
      await this.deps.db.update(workOrders).set({ status: 'SUCCEEDED', updatedAt: new Date() }).where(eq(workOrders.id, this.row.id));
    } catch (err) {
      if (!(err instanceof AppError) && !(err instanceof CloudError)) this.ctx.log.error({ err }, 'work order step failed');
      await this.rollback(run);
      await this.deps.db.update(workOrders).set({ status: 'FAILED', updatedAt: new Date() }).where(eq(workOrders.id, this.row.id));
      throw err;
    }
  }

  /** Runs an item's step: PROVISIONING, then DONE, or FAILED with the error (rethrown). */
  private async step<T>(item: WorkOrderMessageItem, work: () => Promise<T>): Promise<T> {
    const row = this.items.get(item.workOrderItemId)!;
    await this.setItem(row, { status: 'PROVISIONING' });
    try {
      const result = await work();
      await this.setItem(row, { status: 'DONE', error: null });
      return result;
    } catch (err) {
      await this.setItem(row, { status: 'FAILED', error: failureOf(err) });
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

  /** Records what an item made, before the next call can fail, so that a rollback finds it. */
  private async madeBy(item: WorkOrderMessageItem, kind: CloudHandle['kind'], globalId: string, cloudId: string, what: string, remove: () => Promise<void>, extra: Partial<CloudHandle> = {}) {
    const row = this.items.get(item.workOrderItemId)!;
    const handle: CloudHandle = { kind, cloudId, datacenterId: this.target.datacenter.id, tenancyId: this.target.tenancy.id, ...extra };
    await this.setItem(row, { resourceGlobalId: globalId, cloudHandle: handle });
    this.made.push({ item: row, what, remove });
  }

  private async createVm(run: JobRun, scope: TenantScope, item: VmItem, index: number): Promise<{ instance: Instance; networkId: string }> {
    const c = item.workOrderItemConfig;
    const networkId = await this.network(scope, c.networkId ?? null, index);
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
      await this.madeBy(item, 'Instance', instance.id, instance.cloudId, `VM ${instance.name}`, () => this.terminate(instance.id));
      return { instance, networkId };
    } catch (err) {
      // An instance that failed to build (ERROR) still exists; its create job named it before the wait.
      const stranded = await this.strandedInstance(run);
      if (stranded) await this.madeBy(item, 'Instance', stranded, decodeId(stranded)!.parts[2], `VM ${c.vmName}`, () => this.terminate(stranded));
      throw inOrderTerms(err, index, VM_FIELDS);
    }
  }

  /** The instance a failed createInstance job of this order's run recorded, if any. */
  private async strandedInstance(run: JobRun): Promise<string | null> {
    const [own] = await this.deps.db.select({ createdAt: jobs.createdAt }).from(jobs).where(eq(jobs.id, run.id));
    const [failed] = await this.deps.db
      .select({ resourceId: jobs.resourceId })
      .from(jobs)
      .where(
        and(
          eq(jobs.kind, 'createInstance'),
          eq(jobs.tenancyId, this.target.tenancy.id),
          eq(jobs.userId, this.target.user.id),
          eq(jobs.status, 'FAILED'),
          gte(jobs.createdAt, own.createdAt),
          isNotNull(jobs.resourceId),
        ),
      )
      .orderBy(desc(jobs.createdAt))
      .limit(1);
    return failed?.resourceId ?? null;
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
      // The VM's zone by default: CloudStack attaches only within a zone.
      const { volume } = await volumes.create({ tenancyId: this.tenancyId, name: c.volumeName, sizeGb: c.volumeSize, type: c.volumeType ?? null, zoneId: c.zoneId ?? vm.zoneId });
      if (!volume) throw new AppError(ErrorCode.UPSTREAM_ERROR, `The volume ${c.volumeName} was made, but its cloud does not list it.`);
      await this.madeBy(item, 'Volume', volume.id, volume.cloudId, `volume ${volume.name}`, () => this.removeVolume(volume.id));
      await volumes.attach(volume.id, vm.id);
    } catch (err) {
      throw inOrderTerms(err, index, EBS_FIELDS);
    }
  }

  private async allocateIp(vm: Instance, networkId: string, item: NetworkItem, index: number, vmIndex: number): Promise<string> {
    const c = item.workOrderItemConfig;
    const ips = new FloatingIpService(this.ctx);
    try {
      // On the VM's network: CloudStack allocates in that network's VPC.
      const { floatingIp } = await ips.allocate({ tenancyId: this.tenancyId, bandwidthMbps: c.newBandwidthValue, networkId });
      if (!floatingIp) throw new AppError(ErrorCode.UPSTREAM_ERROR, 'The floating IP was allocated, but its cloud does not list it.');
      await this.madeBy(item, 'FloatingIp', floatingIp.id, floatingIp.cloudId, `floating IP ${floatingIp.address}`, () => this.removeIp(floatingIp.id), {
        address: floatingIp.address,
      });
      await ips.associate(floatingIp.id, vm.id);
      return floatingIp.address;
    } catch (err) {
      throw inOrderTerms(err, index, NETWORK_FIELDS, { 'input.networkId': configField(vmIndex, 'networkId') });
    }
  }

  /**
   * Removes what the order made, last made first. Each removal reads the resource as the cloud
   * has it now, so one left half-way (attached or not, associated or not) goes too; a removal
   * that fails is recorded on its item and the others still run.
   */
  private async rollback(run: JobRun): Promise<void> {
    for (const [i, made] of [...this.made].reverse().entries()) {
      await run.progress(95, `rolling back ${made.what} (${i + 1} of ${this.made.length})`);
      try {
        await made.remove();
        // The item that failed keeps FAILED and its error; the others were undone.
        if (made.item.status !== 'FAILED') await this.setItem(made.item, { status: 'ROLLED_BACK' });
      } catch (err) {
        const failure = failureOf(err);
        this.ctx.log.error({ err: failure, item: made.item.itemId }, 'work order rollback step failed');
        await this.setItem(made.item, { status: 'FAILED', error: { ...failure, message: `Rollback failed: ${failure.message}`, rollback: true } });
      }
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

