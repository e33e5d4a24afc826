import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/*
 * What Postgres holds: identities, credentials (encrypted), tenancy bindings, jobs and their
 * events, work orders, audit, persisted queries, idempotency keys, the image catalogue. The clouds
 * are the system of record for resources. Rows a user deletes are marked (`deleted_at` /
 * `removed_at`), never dropped.
 */

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const created = () => ts('created_at').notNull().defaultNow();
const updated = () => ts('updated_at').notNull().defaultNow();

export const roleEnum = pgEnum('user_role', ['ADMIN', 'USER']);
export const cloudKindEnum = pgEnum('cloud_kind', ['OPENSTACK', 'CLOUDSTACK']);
export const datacenterStateEnum = pgEnum('datacenter_state', ['ENABLED', 'DISABLED']);
export const tenancyStatusEnum = pgEnum('tenancy_status', ['PENDING', 'ACTIVE', 'FAILED', 'REMOVING']);
export const jobStatusEnum = pgEnum('job_status', ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
export const workOrderStatusEnum = pgEnum('work_order_status', [
  'RECEIVED',
  'PROVISIONING',
  'SUCCEEDED',
  'FAILED',
  'ROLLED_BACK',
]);
export const workOrderItemStatusEnum = pgEnum('work_order_item_status', [
  'PENDING',
  'PROVISIONING',
  'DONE',
  'FAILED',
  'ROLLED_BACK',
]);
export const auditOutcomeEnum = pgEnum('audit_outcome', ['SUCCESS', 'FAILURE']);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    email: text('email'),
    mobile: text('mobile'),
    /** `scrypt$…` for ecsgraph hashes; `pbkdf2_sha256$…` for users imported from the old portal until they sign in. */
    passwordHash: text('password_hash').notNull(),
    role: roleEnum('role').notNull().default('USER'),
    active: boolean('active').notNull().default(true),
    ctUserId: text('ct_user_id'),
    ctAccountId: text('ct_account_id'),
    // Portal profile, kept as the portal sent it.
    loginName: text('login_name'),
    loginEmail: text('login_email'),
    rootUserId: text('root_user_id'),
    fkRootUserId: text('fk_root_user_id'),
    portalCreatedAt: ts('portal_created_at'),
    accountType: text('account_type'),
    portalStatus: text('portal_status'),
    province: text('province'),
    city: text('city'),
    county: text('county'),
    mobilePhone: text('mobile_phone'),
    channel: text('channel'),
    userLevel: text('user_level'),
    messageFlag: boolean('message_flag'),
    emailFlag: boolean('email_flag'),
    auditStatus: text('audit_status'),
    postpaid: boolean('postpaid'),
    createdAt: created(),
    updatedAt: updated(),
    lastLoginAt: ts('last_login_at'),
    passwordChangedAt: ts('password_changed_at'),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    uniqueIndex('users_username_live').on(sql`lower(${t.username})`).where(sql`${t.deletedAt} is null`),
    uniqueIndex('users_email_live').on(sql`lower(${t.email})`).where(sql`${t.deletedAt} is null`),
    uniqueIndex('users_ct_user_id_live').on(t.ctUserId).where(sql`${t.deletedAt} is null`),
    uniqueIndex('users_ct_account_id_live').on(t.ctAccountId).where(sql`${t.deletedAt} is null`),
    index('users_created_at').on(t.createdAt, t.id),
  ],
);

export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** sha256 of the bearer token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: created(),
    expiresAt: ts('expires_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    revokedAt: ts('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [uniqueIndex('sessions_token_hash').on(t.tokenHash), index('sessions_user').on(t.userId)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** First characters of the key, shown to tell keys apart. */
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    /** Bound to this client's persisted-operation manifest when set. */
    safelistClient: text('safelist_client'),
    createdAt: created(),
    expiresAt: ts('expires_at'),
    revokedAt: ts('revoked_at'),
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [uniqueIndex('api_keys_secret_hash').on(t.secretHash), index('api_keys_user').on(t.userId)],
);

export const datacenters = pgTable(
  'datacenters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    shortName: text('short_name').notNull(),
    /** The portal's platform id (`platformId` of work orders). */
    uuid: text('uuid').notNull(),
    kind: cloudKindEnum('kind').notNull(),
    idcTypeName: text('idc_type_name'),
    serviceUrl: text('service_url').notNull(),
    state: datacenterStateEnum('state').notNull().default('ENABLED'),
    adminUser: text('admin_user').notNull(),
    /** AES-256-GCM sealed JSON: { password, apiKey?, secretKey? }. */
    credentials: text('credentials').notNull(),
    host: text('host'),
    project: text('project'),
    domain: text('domain').notNull().default('Default'),
    region: text('region'),
    externalNetwork: text('external_network'),
    createdAt: created(),
    updatedAt: updated(),
    removedAt: ts('removed_at'),
  },
  (t) => [uniqueIndex('datacenters_uuid_live').on(t.uuid).where(sql`${t.removedAt} is null`)],
);

export const tenancies = pgTable(
  'tenancies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    datacenterId: uuid('datacenter_id')
      .notNull()
      .references(() => datacenters.id),
    status: tenancyStatusEnum('status').notNull().default('PENDING'),
    error: jsonb('error'),
    /** OpenStack project id / CloudStack account id. */
    cloudProjectId: text('cloud_project_id'),
    cloudUserId: text('cloud_user_id'),
    cloudDomainId: text('cloud_domain_id'),
    /** AES-256-GCM sealed JSON of the tenant's own cloud credentials. */
    credentials: text('credentials'),
    createdAt: created(),
    updatedAt: updated(),
    removedAt: ts('removed_at'),
  },
  (t) => [
    uniqueIndex('tenancies_user_dc_live').on(t.userId, t.datacenterId).where(sql`${t.removedAt} is null`),
    index('tenancies_datacenter').on(t.datacenterId),
  ],
);

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    status: jobStatusEnum('status').notNull().default('QUEUED'),
    progress: integer('progress').notNull().default(0),
    message: text('message'),
    error: jsonb('error'),
    userId: uuid('user_id').references(() => users.id),
    datacenterId: uuid('datacenter_id').references(() => datacenters.id),
    tenancyId: uuid('tenancy_id').references(() => tenancies.id),
    /** Global id of the resource the job acts on, once known. */
    resourceId: text('resource_id'),
    /** Who asked for the job (an administrator acting for a user, say); the worker acts as them. */
    requestedBy: uuid('requested_by').references(() => users.id),
    /** Which runner does the work (src/jobs/runners.ts); null for a step run inside another job. */
    runner: text('runner'),
    payload: jsonb('payload').notNull().default({}),
    /** What the job made, once it has ended (ids, counts), for the mutation that waits for it. */
    result: jsonb('result'),
    /** The worker that holds the job while RUNNING, until `locked_until` unless renewed. */
    lockedBy: text('locked_by'),
    lockedUntil: ts('locked_until'),
    /** A QUEUED job is not taken before this (retry backoff). */
    runAfter: ts('run_after'),
    /** Handles recorded by steps (cloud ids, CloudStack jobids) so a resumed job never creates twice. */
    state: jsonb('state').notNull().default({}),
    attempts: integer('attempts').notNull().default(0),
    lastSeq: integer('last_seq').notNull().default(0),
    deadlineAt: ts('deadline_at'),
    cancelRequestedAt: ts('cancel_requested_at'),
    createdAt: created(),
    updatedAt: updated(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('jobs_status').on(t.status, t.createdAt), index('jobs_user').on(t.userId, t.createdAt), index('jobs_runnable').on(t.status, t.runAfter)],
);

export const jobEvents = pgTable(
  'job_events',
  {
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id),
    seq: integer('seq').notNull(),
    status: jobStatusEnum('status').notNull(),
    progress: integer('progress').notNull(),
    message: text('message'),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.seq] })],
);

export const workOrders = pgTable(
  'work_orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workOrderId: text('work_order_id').notNull(),
    workOrderType: integer('work_order_type'),
    orderId: text('order_id'),
    /** The billing system's user and account ids. */
    externalUserId: text('external_user_id'),
    externalAccountId: text('external_account_id'),
    userId: uuid('user_id').references(() => users.id),
    status: workOrderStatusEnum('status').notNull().default('RECEIVED'),
    msghandlerUrl: text('msghandler_url'),
    payload: jsonb('payload').notNull(),
    jobId: uuid('job_id').references(() => jobs.id),
    reportedAt: ts('reported_at'),
    reportOutcome: text('report_outcome'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [uniqueIndex('work_orders_work_order_id').on(t.workOrderId)],
);

export const workOrderItems = pgTable(
  'work_order_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workOrderId: uuid('work_order_id')
      .notNull()
      .references(() => workOrders.id),
    itemId: text('item_id').notNull(),
    resourceType: text('resource_type').notNull(),
    /** The id the billing system assigned to the resource. */
    billingResourceId: text('billing_resource_id'),
    master: boolean('master').notNull().default(false),
    masterResourceId: text('master_resource_id'),
    config: jsonb('config').notNull(),
    status: workOrderItemStatusEnum('status').notNull().default('PENDING'),
    resourceGlobalId: text('resource_global_id'),
    cloudHandle: jsonb('cloud_handle'),
    error: jsonb('error'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [uniqueIndex('work_order_items_item').on(t.workOrderId, t.itemId)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: ts('at').notNull().defaultNow(),
    requestId: text('request_id').notNull(),
    actorUserId: uuid('actor_user_id'),
    actorApiKeyId: uuid('actor_api_key_id'),
    action: text('action').notNull(),
    targetKind: text('target_kind'),
    targetId: text('target_id'),
    outcome: auditOutcomeEnum('outcome').notNull(),
    errorCode: text('error_code'),
    ip: text('ip'),
    details: jsonb('details'),
  },
  (t) => [index('audit_log_actor').on(t.actorUserId, t.id), index('audit_log_target').on(t.targetId)],
);

export const persistedQueries = pgTable(
  'persisted_queries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** null for Automatic Persisted Queries registered by hash. */
    clientName: text('client_name'),
    version: text('version'),
    /** Manifest operation id, or the sha256 hash for APQ. */
    operationId: text('operation_id').notNull(),
    sha256: text('sha256').notNull(),
    /** sha256 of the document as graphql-js prints it (fragments sorted by name): matches a document sent with other whitespace. */
    normalizedSha256: text('normalized_sha256'),
    /** The operation's name and type (query, mutation, subscription), as the manifest names them. */
    operationName: text('operation_name'),
    operationType: text('operation_type'),
    document: text('document').notNull(),
    createdAt: created(),
    lastUsedAt: ts('last_used_at'),
  },
  (t) => [
    uniqueIndex('persisted_queries_op').on(
      sql`coalesce(${t.clientName}, '')`,
      sql`coalesce(${t.version}, '')`,
      t.operationId,
    ),
    index('persisted_queries_sha256').on(t.sha256),
    index('persisted_queries_normalized').on(t.normalizedSha256),
    index('persisted_queries_client').on(t.clientName, t.version),
  ],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    key: text('key').notNull(),
    operation: text('operation').notNull(),
    requestHash: text('request_hash').notNull(),
    jobId: uuid('job_id').references(() => jobs.id),
    response: jsonb('response'),
    createdAt: created(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/**
 * What the catalogue adds to a datacenter's images: the cloud keeps neither a display name of
 * the administrator's choosing nor whether the image is offered to users. Which images exist is
 * the cloud's live list; a row outlives its image (marked `missing_since`) so that an image
 * coming back keeps what was set for it.
 */
export const catalogImages = pgTable(
  'catalog_images',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    datacenterId: uuid('datacenter_id')
      .notNull()
      .references(() => datacenters.id),
    /** OpenStack: the Glance image id; CloudStack: the template id. */
    cloudImageId: text('cloud_image_id').notNull(),
    // As the cloud reported them at the last sync.
    cloudName: text('cloud_name').notNull(),
    cloudOsType: text('cloud_os_type'),
    /** Set by an administrator; shown instead of the cloud's own when set. */
    displayName: text('display_name'),
    displayOsType: text('display_os_type'),
    shared: boolean('shared').notNull().default(false),
    syncedAt: ts('synced_at').notNull().defaultNow(),
    /** Since the first sync that no longer found the image; null while the cloud lists it. */
    missingSince: ts('missing_since'),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [uniqueIndex('catalog_images_dc_image').on(t.datacenterId, t.cloudImageId)],
);

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type DatacenterRow = typeof datacenters.$inferSelect;
export type TenancyRow = typeof tenancies.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type JobEventRow = typeof jobEvents.$inferSelect;
export type WorkOrderRow = typeof workOrders.$inferSelect;
export type WorkOrderItemRow = typeof workOrderItems.$inferSelect;
export type CatalogImageRow = typeof catalogImages.$inferSelect;
