import type Redis from 'ioredis';
import type { CloudRegistry } from '../clouds/registry';
import type { Config } from '../config';
import type { JobRun } from '../jobs/journal';
import type { JobQueue } from '../jobs/queue';
import type { Logger } from '../logger';
import type { PubSub } from '../pubsub/pubsub';
import type { PasswordHasher } from '../security/passwords';
import type { SecretBox } from '../security/secret-box';
import type { Db } from '../store/db';
import type { RowCache } from '../store/row-cache';
import { UserStore } from '../store/users';
import { ApiKeyService } from './api-key/api-key.service';
import { AuditService } from './audit/audit.service';
import { CatalogService } from './catalog/catalog.service';
import { DatacenterService } from './datacenter/datacenter.service';
import { IdempotencyService } from './idempotency/idempotency.service';
import { JobService } from './job/job.service';
import { PersistedOperationService } from './persisted/persisted.service';
import type { LoginThrottle } from './session/login-throttle';
import { SessionService } from './session/session.service';
import { TenancyService } from './tenancy/tenancy.service';
import { UserService } from './user/user.service';
import { WorkOrderService } from './work-order/work-order.service';

/** What the application holds for its whole life; shared by every request. */
export interface AppDeps {
  config: Config;
  db: Db;
  log: Logger;
  secrets: SecretBox;
  hasher: PasswordHasher;
  loginThrottle: LoginThrottle;
  pubsub: PubSub;
  redis: Redis | null;
  userStore: UserStore;
  /** One driver per datacenter (tokens, sessions and the circuit breaker live there). */
  clouds: CloudRegistry;
  /** Carries jobs to the workers (BullMQ with REDIS_URL, else the job table). */
  queue: JobQueue;
  /** Datacenter and catalogue rows kept per process (STORE_CACHE_MS), forgotten everywhere on a write. */
  rows: RowCache;
}

/** Facts of the request a service may need (audit, throttling). */
export interface RequestInfo {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** When the request arrived (performance.now()): cloud reads it may share began after it (`ReadHorizon`). Default: now. */
  arrivedAt?: number;
}

export interface AppServices {
  sessions: SessionService;
  apiKeys: ApiKeyService;
  users: UserService;
  datacenters: DatacenterService;
  tenancies: TenancyService;
  jobs: JobService;
  catalog: CatalogService;
  workOrders: WorkOrderService;
  idempotency: IdempotencyService;
  audit: AuditService;
  persisted: PersistedOperationService;
}

/** `job`: set when a worker runs a job for these services (the jobs run inside it stop with it). */
export function createServices(deps: AppDeps, request: RequestInfo, job: JobRun | null = null): AppServices {
  const datacenters = new DatacenterService(deps);
  const jobs = new JobService(deps, job);
  return {
    sessions: new SessionService(deps, request),
    apiKeys: new ApiKeyService(deps),
    users: new UserService(deps),
    datacenters,
    tenancies: new TenancyService(deps, datacenters, jobs, request.arrivedAt),
    jobs,
    catalog: new CatalogService(deps),
    workOrders: new WorkOrderService(deps),
    idempotency: new IdempotencyService(deps),
    audit: new AuditService(deps, request),
    persisted: new PersistedOperationService(deps),
  };
}
