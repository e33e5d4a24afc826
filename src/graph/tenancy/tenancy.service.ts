import { performance } from 'node:perf_hooks';
import DataLoader from 'dataloader';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { CloudError, type TenantCredentials } from '../../clouds/driver';
import { ReadHorizon } from '../../clouds/read-horizon';
import { AppError, ErrorCode, conflict, notFound } from '../../errors';
import { FINAL_STATUSES, errorOf, type JobErrorInfo, type JobRun } from '../../jobs/journal';
import { datacenters, tenancies, users, type DatacenterRow, type JobRow, type TenancyRow, type UserRow } from '../../store/schema';
import type { Viewer } from '../context';
import type { DatacenterService } from '../datacenter/datacenter.service';
import type { JobService, JobSpec } from '../job/job.service';
import { Job } from '../job/job.type';
import { encodeId, localId, resourceRef, type ResourceKind } from '../node/global-id';
import type { AppDeps } from '../services';
import { registerAllUsersRunner, registerTenancyRunner, unregisterAllUsersRunner, unregisterTenancyRunner, type BulkOutcome } from './tenancy.runners';
import { TenantScope } from './tenancy.scope';
import { Tenancy } from './tenancy.type';

const credentialsAad = (id: string) => `tenancy:${id}:credentials`;

/** Keys of the rows the process keeps (deps.rows): a tenancy by id, and a user's live tenancies. */
const TENANCY = 'tenancy:';
const TENANCIES_OF = 'tenancies-of:';
const tenancyKey = (id: string) => `${TENANCY}${id}`;
const tenanciesOfKey = (userId: string) => `${TENANCIES_OF}${userId}`;

/** The cloud's own name for a user's tenant: `ct_<ctAccountId>` (the portal's convention). */
export function tenantName(user: { id: string; ctAccountId: string | null }): string {
  return `ct_${user.ctAccountId ?? user.id.replace(/-/g, '')}`;
}

export interface RegistrationResult {
  job: Job;
  tenancy: Tenancy;
}

export interface ActiveTenancy {
  tenancy: TenancyRow;
  user: UserRow;
  datacenter: DatacenterRow;
}

/** Per user: the tenancies where the work succeeded and where it failed (the old `ct_user_id_regist`). */
export interface BulkTenancyResult {
  job: Job;
  succeeded: Tenancy[];
  failed: Tenancy[];
}

export class TenancyService {
  private readonly scopes = new Map<string, Promise<TenantScope>>();

  constructor(
    private readonly deps: AppDeps,
    private readonly datacenters: DatacenterService,
    private readonly jobs: JobService,
    /** When the request (or job) began: how old a cloud read its scopes may share (`ReadHorizon`). */
    private readonly began = performance.now(),
  ) {}

  /** The live tenancies of a user, oldest first; the users of one request in one query. */
  async ofUser(userId: string): Promise<Tenancy[]> {
    return (await this.byUser.load(userId)).map(Tenancy.fromRow);
  }

  /**
   * The users' lists, of those the process does not hold already (deps.rows, STORE_CACHE_MS):
   * a user's tenancies are read by nearly every request of theirs and change seldom.
   */
  private readonly byUser = new DataLoader<string, TenancyRow[]>(async (userIds) => {
    const byKey = await this.deps.rows.getMany(userIds.map(tenanciesOfKey), async (keys) => {
      const ids = keys.map((k) => k.slice(TENANCIES_OF.length));
      const rows = await this.deps.db
        .select()
        .from(tenancies)
        .where(and(inArray(tenancies.userId, ids), isNull(tenancies.removedAt)))
        .orderBy(asc(tenancies.createdAt), asc(tenancies.id));
      // A user without tenancies is kept too: an empty list.
      return new Map(ids.map((id) => [tenanciesOfKey(id), rows.filter((r) => r.userId === id)]));
    });
    const lists = userIds.map((id) => byKey.get(tenanciesOfKey(id)) ?? []);
    for (const row of lists.flat()) this.loader.prime(row.id, row);
    return lists;
  });

  /** Tenancies by id (removed ones included), of those the process does not hold already (deps.rows). */
  private readonly loader = new DataLoader<string, TenancyRow | null>(async (ids) => {
    const byKey = await this.deps.rows.getMany(ids.map(tenancyKey), async (keys) => {
      const rows = await this.deps.db
        .select()
        .from(tenancies)
        .where(inArray(tenancies.id, keys.map((k) => k.slice(TENANCY.length))));
      return new Map(rows.map((r) => [tenancyKey(r.id), r]));
    });
    return ids.map((id) => byKey.get(tenancyKey(id)) ?? null);
  });

  /** After a write of a tenancy's row: this request's loaders and every process's copies. */
  private async changed(row: Pick<TenancyRow, 'id' | 'userId'>): Promise<void> {
    this.loader.clear(row.id);
    this.byUser.clear(row.userId);
    await this.deps.rows.forget(tenancyKey(row.id), tenanciesOfKey(row.userId));
  }

  /** A live tenancy the viewer may see: its own, or any for admins. Anything else is NOT_FOUND. */
  async get(viewer: Viewer, id: string): Promise<TenancyRow> {
    return this.owned(viewer, localId(id, 'Tenancy'));
  }

  private async owned(viewer: Viewer, tenancyId: string): Promise<TenancyRow> {
    const row = await this.loader.load(tenancyId);
    if (!row || row.removedAt || (viewer.role !== 'ADMIN' && row.userId !== viewer.userId)) throw notFound('Tenancy');
    return row;
  }

  /**
   * The tenancy as the request reaches it: ownership checked, tenant credentials opened, one
   * set of loaders per request. A tenancy that is not ACTIVE has no cloud to reach (CONFLICT).
   */
  scope(viewer: Viewer, tenancyId: string): Promise<TenantScope> {
    let pending = this.scopes.get(tenancyId);
    if (!pending) {
      pending = this.openScope(viewer, tenancyId);
      pending.catch(() => this.scopes.delete(tenancyId));
      this.scopes.set(tenancyId, pending);
    }
    return pending;
  }

  /** By the tenancy's global id (mutation inputs). */
  scopeOf(viewer: Viewer, tenancyGlobalId: string): Promise<TenantScope> {
    return this.scope(viewer, localId(tenancyGlobalId, 'Tenancy'));
  }

  /** The scope and cloud id behind a resource's global id; another tenant's id is NOT_FOUND. */
  async resource(viewer: Viewer, id: string, kind: ResourceKind, label: string = kind): Promise<{ scope: TenantScope; cloudId: string }> {
    const ref = resourceRef(id, kind, label);
    let scope: TenantScope;
    try {
      scope = await this.scope(viewer, ref.tenancyId);
    } catch (err) {
      if (err instanceof AppError && (err.code === ErrorCode.NOT_FOUND || err.code === ErrorCode.CONFLICT)) throw notFound(label);
      throw err;
    }
    if (scope.datacenter.id !== ref.datacenterId) throw notFound(label);
    return { scope, cloudId: ref.cloudId };
  }

  private async openScope(viewer: Viewer, tenancyId: string): Promise<TenantScope> {
    const row = await this.owned(viewer, tenancyId);
    if (row.status !== 'ACTIVE' || !row.credentials) {
      throw new AppError(ErrorCode.CONFLICT, `The tenancy is ${row.status}: register it again before using it.`);
    }
    const dc = await this.datacenters.byId(row.datacenterId);
    if (!dc) throw notFound('Tenancy');
    const cloud = this.datacenters.driver(dc);
    const credentials = this.deps.secrets.openJson<TenantCredentials>(row.credentials, credentialsAad(row.id));
    const horizon = new ReadHorizon(this.began);
    return new TenantScope(row, dc, cloud, cloud.tenant(credentials, horizon), horizon);
  }

  /** Scopes of every ACTIVE tenancy of a user whose datacenter is live (cleanup, initialisation). */
  async activeScopes(viewer: Viewer, userId: string): Promise<TenantScope[]> {
    const rows = (await this.ofUser(userId)).map((t) => t.row).filter((r) => r.status === 'ACTIVE');
    return Promise.all(rows.map((r) => this.scope(viewer, r.id)));
  }

  /**
   * ACTIVE tenancies of live users in live datacenters, oldest first: of one user, of one
   * datacenter, or all; `role` narrows to users of that role.
   */
  async active(filter: { userId?: string; datacenterId?: string; role?: 'ADMIN' | 'USER' }): Promise<ActiveTenancy[]> {
    return this.deps.db
      .select({ tenancy: tenancies, user: users, datacenter: datacenters })
      .from(tenancies)
      .innerJoin(users, eq(users.id, tenancies.userId))
      .innerJoin(datacenters, eq(datacenters.id, tenancies.datacenterId))
      .where(
        and(
          eq(tenancies.status, 'ACTIVE'),
          isNull(tenancies.removedAt),
          isNull(users.deletedAt),
          isNull(datacenters.removedAt),
          filter.userId ? eq(tenancies.userId, filter.userId) : undefined,
          filter.datacenterId ? eq(tenancies.datacenterId, filter.datacenterId) : undefined,
          filter.role ? eq(users.role, filter.role) : undefined,
        ),
      )
      .orderBy(asc(tenancies.createdAt), asc(tenancies.id));
  }

  /**
   * Binds a user to a datacenter: the tenant (OpenStack project + user + role; CloudStack
   * account + user + keys) is made with the datacenter's admin credentials and its own random
   * credentials are sealed in the tenancy. Idempotent: an ACTIVE tenancy is returned as is; a
   * FAILED one is tried again, and the cloud adopts what a previous try already made.
   *
   * The work is a job (registerTenancy) a worker runs: the payload comes back with the job as
   * it ended when the caller waits for it (`waitMs`, from `Prefer: wait=N`), else at once with
   * the job QUEUED and the tenancy as it was when the job was queued (PENDING when new).
   */
  async register(viewer: Viewer, userGlobalId: string, datacenterGlobalId: string, waitMs = 0): Promise<RegistrationResult> {
    const userId = localId(userGlobalId, 'User');
    const [user] = await this.deps.db.select().from(users).where(and(eq(users.id, userId), isNull(users.deletedAt)));
    if (!user) throw notFound('User');
    const dc = await this.enabledDatacenter(viewer, datacenterGlobalId);
    const row = await this.pendingTenancy(user.id, dc);
    const queued = await this.jobs.enqueue({ ...registrationSpec(viewer, row, dc), payload: { tenancyId: row.id }, runner: registerTenancyRunner.name });
    const job = await this.jobs.settle(queued, waitMs);
    if (!FINAL_STATUSES.has(job.status)) return { job: Job.fromRow(job), tenancy: Tenancy.fromRow(row) };
    // A cloud's refusal is kept on the tenancy (FAILED, with the cloud's words) and shown in the payload.
    if (job.status === 'FAILED' && job.error) {
      const err = errorOf(job.error as JobErrorInfo);
      if (!(err instanceof CloudError)) throw err;
    }
    return { job: Job.fromRow(job), tenancy: Tenancy.fromRow(await this.reload(row.id)) };
  }

  /**
   * The work of a registerTenancy job (its runner's): the tenancy is read again, as the world
   * may have changed since the job was queued. Safe to run again: an ACTIVE tenancy is left
   * as it is, and the cloud adopts a tenant a previous try made.
   */
  async performRegistration(tenancyId: string, run: JobRun): Promise<{ tenancyId: string }> {
    const row = await this.find(tenancyId);
    if (!row || row.removedAt) throw notFound('Tenancy');
    if (row.status === 'REMOVING') throw conflict('The tenancy is being removed.');
    const [user] = await this.deps.db.select().from(users).where(and(eq(users.id, row.userId), isNull(users.deletedAt)));
    if (!user) throw notFound('User');
    const dc = await this.datacenters.byId(row.datacenterId);
    if (!dc) throw notFound('Datacenter');
    if (row.status !== 'ACTIVE' && dc.state !== 'ENABLED') throw conflict('The datacenter is DISABLED: it takes no new tenancies.', 'datacenterId');
    await this.provisionTenant(row, user, dc, run);
    return { tenancyId };
  }

  /**
   * Binds every live user (administrators aside) to one datacenter, one after the other so the
   * cloud's admin API is not flooded. Each user's outcome stays on its tenancy (FAILED with the
   * cloud's words); a user who fails does not stop the others.
   */
  async registerAll(viewer: Viewer, datacenterGlobalId: string, waitMs = 0): Promise<BulkTenancyResult> {
    const dc = await this.enabledDatacenter(viewer, datacenterGlobalId);
    const queued = await this.jobs.enqueue({ ...bulkSpec('registerAllUsers', viewer, dc), payload: { datacenterId: dc.id }, runner: registerAllUsersRunner.name });
    return this.bulkPayload(await this.jobs.settle(queued, waitMs));
  }

  /**
   * The work of a registerAllUsers job: each user not bound yet is registered inline, as a
   * job of its own under this one. A user's outcome is kept once known, so a resumed job
   * does not ask the cloud again for the users it has done.
   */
  async performRegisterAll(viewer: Viewer, datacenterId: string, run: JobRun): Promise<BulkOutcome> {
    const dc = await this.datacenters.byId(datacenterId);
    if (!dc) throw notFound('Datacenter');
    if (dc.state !== 'ENABLED') throw conflict('The datacenter is DISABLED: it takes no new tenancies.', 'datacenterId');
    const everyone = await this.deps.db
      .select()
      .from(users)
      .where(and(isNull(users.deletedAt), eq(users.role, 'USER')))
      .orderBy(asc(users.createdAt), asc(users.id));
    const bound = new Map((await this.liveIn(dc.id)).map((row) => [row.userId, row]));
    const outcome: BulkOutcome = { succeeded: [], failed: [] };
    for (const [i, user] of everyone.entries()) {
      const current = bound.get(user.id);
      // Already bound: no job and no cloud call, so a rerun over thousands of users stays cheap.
      const tenancy =
        current?.status === 'ACTIVE'
          ? { id: current.id, status: current.status as string }
          : await run.once(`user:${user.id}`, async () => {
              const made = await this.provisionQuietly(viewer, user, dc);
              return made ? { id: made.row.id, status: made.status as string } : null;
            });
      if (tenancy) (tenancy.status === 'ACTIVE' ? outcome.succeeded : outcome.failed).push(tenancy.id);
      await run.progress(progressOf(i + 1, everyone.length), `${user.username}: ${tenancy?.status ?? 'not registered'}`);
    }
    await run.progress(99, `${outcome.succeeded.length} registered, ${outcome.failed.length} failed`);
    return outcome;
  }

  /**
   * Unbinds every user from one datacenter. A tenancy whose tenant still holds resources is
   * refused and keeps the refusal on its row; the others go on.
   */
  async unregisterAll(viewer: Viewer, datacenterGlobalId: string, waitMs = 0): Promise<BulkTenancyResult> {
    const dc = await this.datacenters.get(viewer, datacenterGlobalId);
    if (dc.removedAt) throw notFound('Datacenter');
    const queued = await this.jobs.enqueue({ ...bulkSpec('unregisterAllUsers', viewer, dc), payload: { datacenterId: dc.id }, runner: unregisterAllUsersRunner.name });
    return this.bulkPayload(await this.jobs.settle(queued, waitMs));
  }

  /**
   * The work of an unregisterAllUsers job: the tenancies to end are fixed when it first runs,
   * and each one's outcome is kept once known, so a resumed job goes on where it stopped.
   */
  async performUnregisterAll(viewer: Viewer, datacenterId: string, run: JobRun): Promise<BulkOutcome> {
    const dc = await this.datacenters.byId(datacenterId, true);
    if (!dc || dc.removedAt) throw notFound('Datacenter');
    const targets = await run.once('tenancies', async () => {
      // Deleted users' tenancies too: a live binding keeps the datacenter from being removed, whoever holds it.
      const rows = await this.deps.db
        .select({ id: tenancies.id, username: users.username })
        .from(tenancies)
        .innerJoin(users, eq(users.id, tenancies.userId))
        .where(and(eq(tenancies.datacenterId, dc.id), isNull(tenancies.removedAt), eq(users.role, 'USER')))
        .orderBy(asc(tenancies.createdAt), asc(tenancies.id));
      return rows;
    });
    const outcome: BulkOutcome = { succeeded: [], failed: [] };
    for (const [i, { id, username }] of targets.entries()) {
      const ended = await run.once(`tenancy:${id}`, async (): Promise<{ ok: boolean | null; message: string }> => {
        const tenancy = await this.find(id);
        // Removed meanwhile by another request: nothing left to do here.
        if (!tenancy || tenancy.removedAt) return { ok: null, message: 'unregistered already' };
        try {
          await this.end(viewer, tenancy, dc);
          return { ok: true, message: 'unregistered' };
        } catch (err) {
          return { ok: false, message: err instanceof Error ? err.message : 'failed' };
        }
      });
      if (ended.ok !== null) (ended.ok ? outcome.succeeded : outcome.failed).push(id);
      await run.progress(progressOf(i + 1, targets.length), `${username}: ${ended.message}`);
    }
    await run.progress(99, `${outcome.succeeded.length} unregistered, ${outcome.failed.length} refused`);
    return outcome;
  }

  /**
   * Ends a tenancy: the tenant is removed from the cloud and the row is marked removed. Refused
   * while the tenant still holds resources (cleanupUserResources removes them first).
   */
  async unregister(viewer: Viewer, tenancyGlobalId: string, waitMs = 0): Promise<RegistrationResult> {
    const row = await this.get(viewer, tenancyGlobalId);
    const dc = await this.datacenters.byId(row.datacenterId, true);
    if (!dc) throw notFound('Tenancy');
    const queued = await this.jobs.enqueue({ ...removalSpec(viewer, row, dc), payload: { tenancyId: row.id }, runner: unregisterTenancyRunner.name });
    const job = await this.jobs.settle(queued, waitMs);
    if (!FINAL_STATUSES.has(job.status)) return { job: Job.fromRow(job), tenancy: Tenancy.fromRow(row) };
    this.scopes.delete(row.id);
    if (job.status === 'FAILED' && job.error) throw errorOf(job.error as JobErrorInfo);
    return { job: Job.fromRow(job), tenancy: Tenancy.fromRow(await this.reload(row.id)) };
  }

  /**
   * The work of an unregisterTenancy job: the tenancy is read again; one removed already (a
   * resumed job) is done. A refusal stays on the tenancy's row.
   */
  async performRemoval(viewer: Viewer, tenancyId: string, run: JobRun): Promise<{ tenancyId: string }> {
    const row = await this.find(tenancyId);
    if (!row) throw notFound('Tenancy');
    if (row.removedAt) return { tenancyId };
    const dc = await this.datacenters.byId(row.datacenterId, true);
    if (!dc) throw notFound('Tenancy');
    try {
      await this.removeTenant(viewer, row, run);
    } catch (err) {
      // A refusal, the cloud's error or a cancellation; not a worker that lost the job or is stopping (it goes on elsewhere).
      if (err instanceof AppError || err instanceof CloudError) {
        await this.deps.db.update(tenancies).set({ error: failureOf(err), updatedAt: new Date() }).where(eq(tenancies.id, row.id));
        await this.changed(row);
      }
      throw err;
    } finally {
      this.scopes.delete(row.id);
    }
    return { tenancyId };
  }

  /** A datacenter that takes new tenancies or resources: live and ENABLED, else NOT_FOUND / CONFLICT naming `datacenterId`. */
  async enabledDatacenter(viewer: Viewer, datacenterGlobalId: string, takes = 'new tenancies'): Promise<DatacenterRow> {
    const dc = await this.datacenters.get(viewer, datacenterGlobalId);
    if (dc.removedAt) throw notFound('Datacenter');
    if (dc.state !== 'ENABLED') throw conflict(`The datacenter is DISABLED: it takes no ${takes}.`, 'datacenterId');
    return dc;
  }

  /** The live tenancies of a datacenter. */
  private async liveIn(datacenterId: string): Promise<TenancyRow[]> {
    return this.deps.db
      .select()
      .from(tenancies)
      .where(and(eq(tenancies.datacenterId, datacenterId), isNull(tenancies.removedAt)));
  }

  /** `provision` for one user among many: its failure is its tenancy's (FAILED, or as the row stands), never the batch's. */
  private async provisionQuietly(viewer: Viewer, user: UserRow, dc: DatacenterRow): Promise<Tenancy | null> {
    try {
      return (await this.provision(viewer, user, dc)).tenancy;
    } catch (err) {
      this.deps.log.warn({ err: err instanceof Error ? err.message : String(err), userId: user.id, datacenterId: dc.id }, 'registration failed');
      const [row] = await this.deps.db
        .select()
        .from(tenancies)
        .where(and(eq(tenancies.userId, user.id), eq(tenancies.datacenterId, dc.id), isNull(tenancies.removedAt)));
      return row ? Tenancy.fromRow(row) : null;
    }
  }

  /**
   * Registers one user inline, as a job of its own inside the caller's (registerAllUsers).
   * A cloud's refusal is kept on the tenancy (FAILED, with the cloud's words) and returned.
   */
  private async provision(viewer: Viewer, user: UserRow, dc: DatacenterRow): Promise<RegistrationResult> {
    const row = await this.pendingTenancy(user.id, dc);
    const outcome = await this.jobs.attempt(registrationSpec(viewer, row, dc), (run) => this.provisionTenant(row, user, dc, run));
    if ('error' in outcome && !(outcome.error instanceof CloudError)) throw outcome.error;
    const { job } = outcome;
    const fresh = await this.reload(row.id);
    return { job, tenancy: Tenancy.fromRow(fresh) };
  }

  /** The tenancy a registration works on: the live one of the user there, or a new PENDING one. */
  private async pendingTenancy(userId: string, dc: DatacenterRow): Promise<TenancyRow> {
    let [row] = await this.deps.db
      .select()
      .from(tenancies)
      .where(and(eq(tenancies.userId, userId), eq(tenancies.datacenterId, dc.id), isNull(tenancies.removedAt)));
    if (row?.status === 'REMOVING') throw conflict('The tenancy is being removed.');
    if (!row) {
      [row] = await this.deps.db
        .insert(tenancies)
        .values({ userId, datacenterId: dc.id, status: 'PENDING' })
        .onConflictDoNothing()
        .returning();
      if (!row) throw conflict('The user is being registered in this datacenter already.');
      await this.changed(row);
    }
    return row;
  }

  /** Makes the tenant in the cloud and seals its credentials in the tenancy; a failure is kept on the row (FAILED) and rethrown. */
  private async provisionTenant(row: TenancyRow, user: UserRow, dc: DatacenterRow, run: JobRun): Promise<void> {
    if (row.status === 'ACTIVE') return;
    const tenancyId = row.id;
    await run.progress(10, `provisioning ${tenantName(user)}`);
    try {
      const tenant = await this.datacenters.driver(dc).admin().provisionTenant({
        name: tenantName(user),
        userName: user.username,
        email: user.email,
      });
      await this.deps.db
        .update(tenancies)
        .set({
          status: 'ACTIVE',
          error: null,
          cloudProjectId: tenant.projectId,
          cloudUserId: tenant.userId,
          cloudDomainId: tenant.credentials.kind === 'OPENSTACK' ? tenant.credentials.domain : tenant.credentials.domainId,
          credentials: this.deps.secrets.sealJson(tenant.credentials, credentialsAad(tenancyId)),
          updatedAt: new Date(),
        })
        .where(eq(tenancies.id, tenancyId));
    } catch (err) {
      await this.deps.db.update(tenancies).set({ status: 'FAILED', error: failureOf(err), updatedAt: new Date() }).where(eq(tenancies.id, tenancyId));
      await this.changed(row);
      throw err;
    }
    await this.changed(row);
  }

  /** Removes the tenant inline, as a job of its own inside the caller's (unregisterAllUsers); a refusal stays on the row. */
  private async end(viewer: Viewer, row: TenancyRow, dc: DatacenterRow): Promise<RegistrationResult> {
    const outcome = await this.jobs.attempt(removalSpec(viewer, row, dc), (run) => this.removeTenant(viewer, row, run));
    this.scopes.delete(row.id);
    if ('error' in outcome) {
      await this.deps.db.update(tenancies).set({ error: failureOf(outcome.error), updatedAt: new Date() }).where(eq(tenancies.id, row.id));
      await this.changed(row);
      throw outcome.error;
    }
    return { job: outcome.job, tenancy: Tenancy.fromRow(await this.reload(row.id)) };
  }

  /**
   * Removes the tenant (refused while it holds resources) and marks the row removed. The removal
   * is done once per job: a resumed job does not look into a tenant that is gone.
   */
  private async removeTenant(viewer: Viewer, row: TenancyRow, run: JobRun): Promise<void> {
    if (row.status === 'ACTIVE') {
      await run.once('removeTenant', async () => {
        const scope = await this.scope(viewer, row.id);
        const held = await heldResources(scope);
        if (held.length) throw conflict(`The tenant still holds ${held.join(', ')}: clean up the user's resources first.`);
        await run.progress(50, 'removing the tenant');
        await scope.cloud.admin().removeTenant({ projectId: row.cloudProjectId!, userId: row.cloudUserId! });
        return null;
      });
    }
    await this.deps.db.update(tenancies).set({ removedAt: new Date(), updatedAt: new Date() }).where(eq(tenancies.id, row.id));
    await this.changed(row);
  }

  /** The payload of a bulk job: the tenancies as they are now, when it SUCCEEDED; its error when it FAILED. */
  private async bulkPayload(job: JobRow): Promise<BulkTenancyResult> {
    if (job.status === 'FAILED' && job.error) throw errorOf(job.error as JobErrorInfo);
    const outcome = job.status === 'SUCCEEDED' ? (job.result as BulkOutcome | null) : null;
    const ids = [...(outcome?.succeeded ?? []), ...(outcome?.failed ?? [])];
    const rows = ids.length ? await this.deps.db.select().from(tenancies).where(inArray(tenancies.id, ids)) : [];
    // Written by a worker: what this request's loaders hold may be stale.
    this.loader.clearAll();
    this.byUser.clearAll();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const pick = (list: string[] = []) => list.flatMap((id) => (byId.has(id) ? [Tenancy.fromRow(byId.get(id)!)] : []));
    return { job: Job.fromRow(job), succeeded: pick(outcome?.succeeded), failed: pick(outcome?.failed) };
  }

  /** A tenancy by id, removed or not, read now (a job's work reads what it acts on afresh). */
  private async find(id: string): Promise<TenancyRow | undefined> {
    const [row] = await this.deps.db.select().from(tenancies).where(eq(tenancies.id, id));
    return row;
  }

  private async reload(id: string): Promise<TenancyRow> {
    const [row] = await this.deps.db.select().from(tenancies).where(eq(tenancies.id, id));
    this.loader.clear(id).prime(id, row);
    this.byUser.clear(row.userId);
    return row;
  }
}

function registrationSpec(viewer: Viewer, row: TenancyRow, dc: DatacenterRow): JobSpec {
  return { kind: 'registerTenancy', viewer, userId: row.userId, datacenterId: dc.id, datacenterName: dc.shortName, tenancyId: row.id, resourceId: Tenancy.globalId(row.id) };
}

function removalSpec(viewer: Viewer, row: TenancyRow, dc: DatacenterRow): JobSpec {
  return { kind: 'unregisterTenancy', viewer, userId: row.userId, datacenterId: dc.id, datacenterName: dc.shortName, tenancyId: row.id, resourceId: Tenancy.globalId(row.id) };
}

function bulkSpec(kind: 'registerAllUsers' | 'unregisterAllUsers', viewer: Viewer, dc: DatacenterRow): JobSpec {
  return { kind, viewer, datacenterId: dc.id, datacenterName: dc.shortName, resourceId: encodeId('Datacenter', dc.id) };
}

/** What a tenancy row keeps of a failure: the code and message, and the cloud's own words when a cloud refused. */
function failureOf(err: unknown): Record<string, unknown> {
  if (err instanceof CloudError) return { ...err.toInfo(), datacenter: err.datacenter };
  if (err instanceof AppError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' };
}

/** Percent done after `done` of `total` items, kept below 100 until the job ends. */
export function progressOf(done: number, total: number): number {
  return Math.min(99, Math.max(1, Math.round((done / Math.max(1, total)) * 98)));
}

/** What a tenant still has in its cloud, as "2 instances, 1 network". */
async function heldResources(scope: TenantScope): Promise<string[]> {
  const l = scope.loaders;
  const [instances, volumes, networks, floatingIps] = await Promise.all([
    l.allInstances().then((all) => all.filter((i) => i.status !== 'DELETED')),
    l.allVolumes(),
    l.allNetworks(),
    l.allFloatingIps(),
  ]);
  return (
    [
      [instances.length, 'instance'],
      [volumes.length, 'volume'],
      [networks.length, 'network'],
      [floatingIps.length, 'floating IP'],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}${n > 1 ? 's' : ''}`);
}
