import crypto from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { badInput, conflict } from '../../errors';
import { idempotencyKeys } from '../../store/schema';
import type { Context } from '../context';
import { Job } from '../job/job.type';
import { decodeId, localId } from '../node/global-id';
import { nodeOrNull } from '../node/node.resolver';
import type { AppDeps } from '../services';

/** How long a key answers with its first result. */
const KEY_TTL_MS = 24 * 60 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;
/** Fields whose values are shown once and never kept: a replay answers null for them. */
const SECRET_FIELD = /pass(word)?|secret|token|private/i;

/** What a result keeps to be answered again: objects by their global id, anything else as is. */
type Kept = { node: string } | { value: unknown } | { list: Kept[] } | { fields: Record<string, Kept> };

/**
 * `idempotencyKey` on mutations: the same key, by the same user, for the same operation and
 * arguments, answers with the first call's result (its job and resources as they are now)
 * instead of doing the work again. The key is taken before the work starts, so a second call
 * racing the first is refused (CONFLICT) rather than run twice.
 */
export class IdempotencyService {
  constructor(private readonly deps: AppDeps) {}

  async run(ctx: Context, operation: string, key: string, args: Record<string, unknown>, work: () => Promise<unknown>): Promise<unknown> {
    if (!KEY_PATTERN.test(key)) throw badInput('idempotencyKey', '1 to 128 printable characters without spaces');
    const userId = ctx.viewer!.userId;
    const requestHash = hashOf(operation, args);
    const db = this.deps.db;
    await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key), lt(idempotencyKeys.expiresAt, new Date())));
    const [taken] = await db
      .insert(idempotencyKeys)
      .values({ userId, key, operation, requestHash, expiresAt: new Date(Date.now() + KEY_TTL_MS) })
      .onConflictDoNothing()
      .returning();
    if (!taken) {
      const [first] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      if (first.operation !== operation || first.requestHash !== requestHash) {
        throw conflict(`This idempotencyKey was used for another call (${first.operation} with other arguments); use a new key.`, 'idempotencyKey');
      }
      if (first.response === null) throw conflict('A call with this idempotencyKey is still running; ask again once it has finished.', 'idempotencyKey');
      return revive(ctx, first.response as Kept);
    }
    let result: unknown;
    try {
      result = await work();
    } catch (err) {
      // A refused call did nothing: the key is free for a corrected retry.
      await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      throw err;
    }
    const jobId = jobOf(result);
    await db
      .update(idempotencyKeys)
      .set({ response: keep(result), jobId })
      .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
    return result;
  }
}

function hashOf(operation: string, args: Record<string, unknown>): string {
  const { idempotencyKey: _key, ...rest } = args;
  return crypto.createHash('sha256').update(operation).update('\0').update(stableJson(rest)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function keep(value: unknown, field = ''): Kept {
  if (field && SECRET_FIELD.test(field)) return { value: null };
  if (Array.isArray(value)) return { list: value.map((v) => keep(v)) };
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const id = (value as { id?: unknown }).id;
    if (typeof id === 'string' && decodeId(id)) return { node: id };
    return { fields: Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, keep(v, k)])) };
  }
  return { value: value instanceof Date ? value.toISOString() : (value ?? null) };
}

/** The first result again, its objects read as they are now (a resource since removed is null). */
async function revive(ctx: Context, kept: Kept): Promise<unknown> {
  if ('node' in kept) {
    if (decodeId(kept.node)?.kind === 'Job') return Job.fromRow(await ctx.services.jobs.get(ctx.viewer!, kept.node));
    return nodeOrNull(ctx, kept.node);
  }
  if ('list' in kept) return Promise.all(kept.list.map((k) => revive(ctx, k)));
  if ('fields' in kept) {
    const entries = await Promise.all(Object.entries(kept.fields).map(async ([k, v]) => [k, await revive(ctx, v)] as const));
    return Object.fromEntries(entries);
  }
  return kept.value;
}

function jobOf(result: unknown): string | null {
  const job = (result as { job?: unknown } | null)?.job;
  if (job instanceof Job) return localId(job.id, 'Job');
  return null;
}
