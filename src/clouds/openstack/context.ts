import type { Logger } from '../../logger';
import { CloudError, type DatacenterEndpoint } from '../driver';
import type { Session } from './session';

/*
 * What every service module of the driver works with: the session of the caller (admin or
 * tenant), the endpoint, and the caches a whole datacenter shares. Helpers for the batched
 * filters live here too.
 */

export interface SharedCache {
  /** The external network's id, looked up once per datacenter. */
  externalNetworkId?: Promise<string>;
  /** Flavors seen by a project, for mapping a server's embedded flavor back to its id. */
  flavors: Map<string, { at: number; flavors: Promise<WireFlavor[]> }>;
}

export interface WireFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

export interface Ctx {
  session: Session;
  endpoint: DatacenterEndpoint;
  log: Logger;
  shared: SharedCache;
  /**
   * A request's snapshot (`TenantDriver.snapshot()`): each collection the project sees, read
   * once and filtered here by every list that asks for part of it. Absent, every list asks the cloud.
   */
  reads?: Map<string, Promise<unknown[]>>;
}

/**
 * A whole collection, through the request's snapshot when there is one (`key` null: not a
 * whole collection, always asked): the first asker's call (every page) is shared by the rest;
 * a failed read is not kept, so the next asker tries again.
 */
export function readOnce<T>(ctx: Ctx, key: string | null, read: () => Promise<T[]>): Promise<T[]> {
  const reads = ctx.reads;
  if (!reads || key === null) return read();
  let pending = reads.get(key) as Promise<T[]> | undefined;
  if (!pending) {
    pending = read();
    pending.catch(() => reads.delete(key));
    reads.set(key, pending);
  }
  return pending;
}

/** Ids per request in repeated-key filters: ~40 characters each keeps a URL under 8 KB. */
export const IDS_PER_REQUEST = 100;

export function chunks<T>(items: readonly T[], size = IDS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function query(params: Record<string, string | number | boolean | readonly string[] | null | undefined>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) q.append(key, v);
    else q.append(key, String(value));
  }
  return q;
}

export function badInput(ctx: Ctx, message: string): CloudError {
  return new CloudError('BAD_USER_INPUT', message, {}, ctx.endpoint.name);
}

export function notFound(ctx: Ctx, message: string): CloudError {
  return new CloudError('NOT_FOUND', message, {}, ctx.endpoint.name);
}

export function conflict(ctx: Ctx, message: string): CloudError {
  return new CloudError('CONFLICT', message, {}, ctx.endpoint.name);
}

/** Runs one step of a multi-step change; a failure names the step and keeps the cloud's words. */
export async function step<T>(ctx: Ctx, what: string, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof CloudError)) throw err;
    const detail = err.upstream.message ?? err.message;
    throw new CloudError(err.code, `${what} failed at step "${name}": ${detail}`, err.upstream, ctx.endpoint.name, { cause: err });
  }
}

export const nullIfEmpty = (v: string | null | undefined): string | null => (v === undefined || v === null || v === '' ? null : v);
