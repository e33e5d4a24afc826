import crypto from 'node:crypto';
import DataLoader from 'dataloader';
import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { AppError, badInput, ErrorCode, isUniqueViolation, notFound, parseInput } from '../../errors';
import { datacenters, tenancies, type DatacenterRow } from '../../store/schema';
import type { CloudDriver, DatacenterEndpoint } from '../../clouds/driver';
import type { Viewer } from '../context';
import { localId } from '../node/global-id';
import type { AppDeps } from '../services';
import {
  createDatacenterRule,
  updateDatacenterRule,
  type CreateDatacenterInput,
  type DatacenterCredentials,
  type UpdateDatacenterInput,
} from './datacenter.input';

const credentialsAad = (id: string) => `datacenter:${id}:credentials`;
const DATACENTER_KEY = 'datacenter:';
const datacenterKey = (id: string) => `${DATACENTER_KEY}${id}`;

export class DatacenterService {
  constructor(private readonly deps: AppDeps) {}

  /** Admins: every live datacenter. Users: those they hold a live tenancy in. */
  async list(viewer: Viewer): Promise<DatacenterRow[]> {
    const { db } = this.deps;
    if (viewer.role === 'ADMIN') {
      return db.select().from(datacenters).where(isNull(datacenters.removedAt)).orderBy(asc(datacenters.name));
    }
    return db
      .select({ dc: datacenters })
      .from(datacenters)
      .innerJoin(tenancies, and(eq(tenancies.datacenterId, datacenters.id), isNull(tenancies.removedAt)))
      .where(and(isNull(datacenters.removedAt), eq(tenancies.userId, viewer.userId)))
      .orderBy(asc(datacenters.name))
      .then((rows) => rows.map((r) => r.dc));
  }

  /** One datacenter the viewer may see; anything else is NOT_FOUND. */
  async get(viewer: Viewer, id: string): Promise<DatacenterRow> {
    const dcId = localId(id, 'Datacenter');
    const row = await this.byId(dcId, viewer.role === 'ADMIN');
    if (!row) throw notFound('Datacenter');
    if (viewer.role !== 'ADMIN') {
      const [bound] = await this.deps.db
        .select({ id: tenancies.id })
        .from(tenancies)
        .where(and(eq(tenancies.datacenterId, dcId), eq(tenancies.userId, viewer.userId), isNull(tenancies.removedAt)));
      if (!bound) throw notFound('Datacenter');
    }
    return row;
  }

  /**
   * Batches one request's look-ups by id (removed datacenters included) into one query, of
   * the rows the process does not hold already (deps.rows, STORE_CACHE_MS).
   */
  private readonly loader = new DataLoader<string, DatacenterRow | null>(async (ids) => {
    const byKey = await this.deps.rows.getMany(
      ids.map(datacenterKey),
      async (keys) => {
        const rows = await this.deps.db.select().from(datacenters).where(inArray(datacenters.id, keys.map((k) => k.slice(DATACENTER_KEY.length))));
        return new Map(rows.map((r) => [datacenterKey(r.id), r]));
      },
    );
    return ids.map((id) => byKey.get(datacenterKey(id)) ?? null);
  });

  /** After a write of the datacenter's row: this request's loader and every process's copy. */
  private async changed(row: DatacenterRow): Promise<void> {
    this.loader.clear(row.id).prime(row.id, row);
    await this.deps.rows.forget(datacenterKey(row.id));
  }

  async byId(id: string, includeRemoved = false): Promise<DatacenterRow | null> {
    const row = await this.loader.load(id);
    return row && (includeRemoved || !row.removedAt) ? row : null;
  }

  async create(input: CreateDatacenterInput): Promise<DatacenterRow> {
    const v = parseInput(createDatacenterRule, input);
    const uuid = v.uuid ?? crypto.randomBytes(16).toString('hex');
    await this.assertUuidFree(uuid);
    const id = crypto.randomUUID();
    const credentials: DatacenterCredentials = { password: v.password, apiKey: v.apiKey ?? null, secretKey: v.secretKey ?? null };
    try {
      const [row] = await this.deps.db
        .insert(datacenters)
        .values({
          id,
          name: v.name,
          shortName: v.shortName,
          uuid,
          kind: v.kind,
          serviceUrl: v.serviceUrl,
          adminUser: v.adminUser,
          credentials: this.deps.secrets.sealJson(credentials, credentialsAad(id)),
          host: v.host ?? hostOf(v.serviceUrl),
          project: v.project ?? (v.kind === 'OPENSTACK' ? 'admin' : null),
          domain: v.domain ?? 'Default',
          region: v.region ?? null,
          externalNetwork: v.externalNetwork ?? null,
          idcTypeName: v.idcTypeName ?? null,
          state: v.state ?? 'ENABLED',
        })
        .returning();
      return row;
    } catch (err) {
      if (isUniqueViolation(err, 'datacenters_uuid_live')) throw badInput('input.uuid', 'is already used by another datacenter');
      throw err;
    }
  }

  async update(viewer: Viewer, id: string, input: UpdateDatacenterInput): Promise<DatacenterRow> {
    const current = await this.get(viewer, id);
    if (current.removedAt) throw new AppError(ErrorCode.CONFLICT, 'A removed datacenter cannot be changed.');
    const v = parseInput(updateDatacenterRule, input);
    const changes: Partial<DatacenterRow> = {};
    for (const key of ['name', 'shortName', 'serviceUrl', 'adminUser', 'domain', 'state'] as const) {
      if (v[key] !== undefined) (changes as Record<string, unknown>)[key] = v[key];
    }
    for (const key of ['host', 'project', 'region', 'externalNetwork', 'idcTypeName'] as const) {
      if (v[key] !== undefined) changes[key] = v[key] ?? null;
    }
    if (v.password !== undefined || v.apiKey !== undefined || v.secretKey !== undefined) {
      const merged = { ...this.credentials(current) };
      if (v.password !== undefined) merged.password = v.password;
      if (v.apiKey !== undefined) merged.apiKey = v.apiKey;
      if (v.secretKey !== undefined) merged.secretKey = v.secretKey;
      if (!!merged.apiKey !== !!merged.secretKey) {
        throw badInput(merged.apiKey ? 'input.secretKey' : 'input.apiKey', 'apiKey and secretKey go together');
      }
      if (current.kind === 'OPENSTACK' && merged.apiKey) throw badInput('input.apiKey', 'API keys are for CloudStack datacenters');
      changes.credentials = this.deps.secrets.sealJson(merged, credentialsAad(current.id));
    }
    const [row] = await this.deps.db
      .update(datacenters)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(datacenters.id, current.id))
      .returning();
    await this.changed(row);
    return row;
  }

  /** Logical delete; refused while users are still bound to the datacenter. */
  async delete(viewer: Viewer, id: string): Promise<DatacenterRow> {
    const current = await this.get(viewer, id);
    if (current.removedAt) return current;
    const [{ n }] = await this.deps.db
      .select({ n: count() })
      .from(tenancies)
      .where(and(eq(tenancies.datacenterId, current.id), isNull(tenancies.removedAt)));
    if (n > 0) {
      throw new AppError(ErrorCode.CONFLICT, `${n} user(s) are still registered in this datacenter; unregister them first.`);
    }
    const [row] = await this.deps.db
      .update(datacenters)
      .set({ removedAt: sql`now()`, updatedAt: new Date() })
      .where(eq(datacenters.id, current.id))
      .returning();
    await this.changed(row);
    return row;
  }

  /**
   * Creates the datacenter, or brings the live one with the same uuid up to date (the embedded
   * simulators listen on new ports at every start). Validated like createDatacenter.
   */
  async upsertByUuid(input: CreateDatacenterInput & { uuid: string }): Promise<DatacenterRow> {
    const [existing] = await this.deps.db
      .select()
      .from(datacenters)
      .where(and(eq(datacenters.uuid, input.uuid), isNull(datacenters.removedAt)));
    if (!existing) return this.create(input);
    const { uuid: _uuid, kind: _kind, ...changes } = input;
    const { password, apiKey, secretKey, ...columns } = parseInput(updateDatacenterRule, changes);
    const credentials: DatacenterCredentials = { password: password ?? input.password, apiKey: apiKey ?? null, secretKey: secretKey ?? null };
    const [row] = await this.deps.db
      .update(datacenters)
      .set({
        ...columns,
        credentials: this.deps.secrets.sealJson(credentials, credentialsAad(existing.id)),
        updatedAt: new Date(),
      } as Partial<DatacenterRow>)
      .where(eq(datacenters.id, existing.id))
      .returning();
    await this.changed(row);
    return row;
  }

  /** What a driver needs to reach the datacenter, credentials opened. Never returned to a client. */
  endpoint(row: DatacenterRow): DatacenterEndpoint {
    const credentials = this.credentials(row);
    return {
      id: row.id,
      name: row.shortName,
      kind: row.kind,
      serviceUrl: row.serviceUrl,
      adminUser: row.adminUser,
      adminPassword: credentials.password,
      adminApiKey: credentials.apiKey ?? null,
      adminSecretKey: credentials.secretKey ?? null,
      project: row.project,
      domain: row.domain,
      region: row.region,
      externalNetwork: row.externalNetwork,
    };
  }

  /** The datacenter's driver (one per datacenter and row version, kept by the registry). */
  driver(row: DatacenterRow): CloudDriver {
    return this.deps.clouds.driver(this.endpoint(row), row.updatedAt.toISOString());
  }

  /** The administrator credentials, for the drivers. Never returned to a client. */
  credentials(row: DatacenterRow): DatacenterCredentials {
    return this.deps.secrets.openJson<DatacenterCredentials>(row.credentials, credentialsAad(row.id));
  }

  private async assertUuidFree(uuid: string) {
    const [row] = await this.deps.db
      .select({ id: datacenters.id })
      .from(datacenters)
      .where(and(eq(datacenters.uuid, uuid), isNull(datacenters.removedAt)));
    if (row) throw badInput('input.uuid', 'is already used by another datacenter');
  }
}

function hostOf(serviceUrl: string): string {
  return new URL(serviceUrl).hostname;
}
