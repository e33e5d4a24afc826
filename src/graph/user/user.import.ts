import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { isUniqueViolation } from '../../errors';
import type { Db } from '../../store/db';
import type { RowCache } from '../../store/row-cache';
import { users, type UserRow } from '../../store/schema';
import { usersChanged } from '../../store/users';
import { emailRule, externalIdRule, mobileRule, profileRule, usernameRule } from './user.input';
import { profileColumns } from './user.service';

/*
 * Imports the old portal's users. The file is all or nothing: every record is validated, and
 * checked against the file and the database, before anything is written, and the writes share
 * one transaction. Records are matched to users by ct_user_id, so the same file can be
 * imported again: users already there are updated in place and keep the password hash they
 * have now (after their first sign-in that is ecsgraph's own scrypt hash, not the portal's).
 */

export interface ImportDeps {
  db: Db;
  /** Told of the users whose rows changed, once committed, so that processes keeping them read them again. */
  rows?: RowCache;
}

export interface ImportReport {
  /** False when there were problems: then nothing was written. */
  ok: boolean;
  /** Records in the file. */
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  /** `records[<index>].<portal field>: <message>`, in record order. Never contains a password hash. */
  problems: string[];
}

// ---------------------------------------------------------------------------------------------
// The portal's record, validated with the rules the mutations use.

/** The portal sent empty strings for missing values. */
const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);
/** Codes and ids came as numbers or strings depending on the endpoint; ecsgraph keeps text. */
const asText = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : blank(v));

const optional = <T extends z.ZodType>(rule: T) => z.preprocess(asText, rule.nullish());
const required = <T extends z.ZodType>(rule: T) =>
  z.preprocess(
    asText,
    z
      .any()
      .refine((v) => v !== null && v !== undefined, 'required')
      .pipe(rule),
  );

const FLAGS = new Map<unknown, boolean>([
  [0, false],
  [1, true],
  ['0', false],
  ['1', true],
  ['false', false],
  ['true', true],
  [false, false],
  [true, true],
]);
const toFlag = (v: unknown) => {
  const value = typeof v === 'string' ? v.trim().toLowerCase() : v;
  return FLAGS.has(value) ? FLAGS.get(value) : blank(value);
};
const flag = z.preprocess(toFlag, z.boolean({ error: 'expected 0, 1, true or false' }).nullish());

/** deleted/removed: the portal wrote a flag or the time of removal, so anything set counts. */
const truthy = z.preprocess((v) => {
  const value = toFlag(v);
  return typeof value === 'boolean' ? value : value !== null && value !== undefined;
}, z.boolean());

/** createDate: milliseconds since 1970, as a number or a numeric string. */
const epochMs = z.preprocess(
  (v) => {
    const value = asText(v);
    return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? new Date(Number(value)) : value;
  },
  z.date({ error: 'expected milliseconds since 1970, as a number or a numeric string' }).nullish(),
);

const role = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toUpperCase() || null : v),
  z.enum(['ADMIN', 'USER'], { error: 'expected ADMIN or USER' }).nullish(),
);

/** A hash PasswordHasher.verify accepts, so an imported user is never locked out by a bad hash. */
export function isAcceptedHash(value: string): boolean {
  const parts = value.split('$');
  const base64 = (s: string) => /^[A-Za-z0-9+/]+={0,2}$/.test(s);
  const positive = (s: string) => /^[1-9]\d*$/.test(s);
  if (parts[0] === 'pbkdf2_sha256' && parts.length === 4) {
    const [, iterations, salt, key] = parts;
    return (
      positive(iterations) &&
      Number(iterations) <= 10_000_000 &&
      salt.length > 0 &&
      base64(key) &&
      Buffer.from(key, 'base64').length === 32
    );
  }
  if (parts[0] === 'scrypt' && parts.length === 6) {
    const [, logN, r, p, salt, key] = parts;
    // Past ecsgraph's largest cost node refuses to compute the hash, and the user could never sign in.
    return [logN, r, p].every(positive) && Number(logN) <= 20 && base64(salt) && base64(key);
  }
  return false;
}

const hashRule = z
  .string({ error: 'expected a password hash' })
  .refine(isAcceptedHash, 'expected a Django hash pbkdf2_sha256$<iterations>$<salt>$<hash> or an ecsgraph scrypt$ hash');

const profile = profileRule.shape;

/** Field names are the portal's, so a problem names the field as it is spelt in the file. */
const portalRecord = z.object({
  username: required(usernameRule),
  password: required(hashRule),
  email: optional(emailRule),
  mobile: optional(mobileRule),
  ct_user_id: required(externalIdRule),
  ct_account_id: optional(externalIdRule),
  loginName: optional(profile.loginName),
  loginEmail: optional(profile.loginEmail),
  rootUserid: optional(profile.rootUserId),
  fkRootUserid: optional(profile.fkRootUserId),
  createDate: epochMs,
  accountType: optional(profile.accountType),
  status: optional(profile.status),
  province: optional(profile.province),
  city: optional(profile.city),
  county: optional(profile.county),
  mobilephone: optional(profile.mobilePhone),
  channel: optional(profile.channel),
  userLevel: optional(profile.userLevel),
  messageFlag: flag,
  emailFlag: flag,
  auditStatus: optional(profile.auditStatus),
  postpaid: flag,
  is_active: flag,
  active: flag,
  deleted: truthy,
  removed: truthy,
  is_superuser: flag,
  role,
});

type PortalRecord = z.output<typeof portalRecord>;

// ---------------------------------------------------------------------------------------------
// Problems

interface Problem {
  /** null: about the file as a whole. */
  index: number | null;
  /** The portal's field name; empty: about the whole record. */
  field: string;
  message: string;
}

/** Thrown inside the transaction so that it rolls back. */
class ImportAborted extends Error {
  constructor(readonly problems: Problem[]) {
    super('import aborted');
  }
}

function formatProblem(p: Problem): string {
  const where = p.index === null ? p.field : `records[${p.index}]${p.field ? `.${p.field}` : ''}`;
  return where ? `${where}: ${p.message}` : p.message;
}

function failed(total: number, problems: Problem[]): ImportReport {
  const sorted = [...problems].sort((a, b) => (a.index ?? -1) - (b.index ?? -1));
  return { ok: false, total, created: 0, updated: 0, unchanged: 0, problems: sorted.map(formatProblem) };
}

// ---------------------------------------------------------------------------------------------
// The file

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys under which the portal's endpoints nested the list of users. */
const LIST_KEYS = ['users', 'results', 'data', 'list', 'items', 'rows'];

function listIn(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (!isObject(value)) return null;
  const key = LIST_KEYS.find((k) => Array.isArray(value[k]));
  return key ? (value[key] as unknown[]) : null;
}

/** The records of a bare array or of the portal's envelope `{msg, errstatus, errcode, results}`. */
function recordList(input: unknown): { records: unknown[] } | { problem: Problem } {
  if (isObject(input) && input.errcode !== undefined && String(input.errcode) !== '0') {
    const msg = typeof input.msg === 'string' && input.msg ? `: ${input.msg.slice(0, 200)}` : '';
    return { problem: { index: null, field: 'errcode', message: `the portal answered with error ${String(input.errcode)}${msg}` } };
  }
  const records = Array.isArray(input) ? input : isObject(input) ? (listIn(input.results) ?? listIn(input)) : null;
  if (records) return { records };
  return {
    problem: { index: null, field: '', message: 'expected an array of users or the portal envelope {"errcode": 0, "results": [...]}' },
  };
}

interface Valid {
  index: number;
  record: PortalRecord;
}

function validateAll(records: unknown[]): { valid: Valid[]; problems: Problem[] } {
  const valid: Valid[] = [];
  const problems: Problem[] = [];
  records.forEach((raw, index) => {
    const parsed = portalRecord.safeParse(raw);
    if (parsed.success) valid.push({ index, record: parsed.data });
    for (const issue of parsed.error?.issues ?? []) {
      problems.push({ index, field: issue.path.map(String).join('.'), message: issue.message });
    }
  });
  return { valid, problems };
}

// ---------------------------------------------------------------------------------------------
// From records to writes

type Columns = Partial<UserRow>;

interface Plan {
  index: number;
  ctUserId: string;
  existing: UserRow | undefined;
  /** What the file says; keys the record leaves out are left as they are on an existing user. */
  columns: Columns;
  passwordHash: string;
  role: 'ADMIN' | 'USER';
  active: boolean;
  deleted: boolean;
  /** True when the row is live after the import: only live rows hold their username, e-mail and account id. */
  live: boolean;
}

function columnsOf(r: PortalRecord): Columns {
  const columns: Columns = {
    username: r.username,
    ...profileColumns({
      loginName: r.loginName,
      loginEmail: r.loginEmail,
      rootUserId: r.rootUserid,
      fkRootUserId: r.fkRootUserid,
      portalCreatedAt: r.createDate,
      accountType: r.accountType,
      status: r.status,
      province: r.province,
      city: r.city,
      county: r.county,
      mobilePhone: r.mobilephone,
      channel: r.channel,
      userLevel: r.userLevel,
      messageFlag: r.messageFlag,
      emailFlag: r.emailFlag,
      auditStatus: r.auditStatus,
      postpaid: r.postpaid,
    }),
  };
  if (r.email !== undefined) columns.email = r.email;
  if (r.mobile !== undefined) columns.mobile = r.mobile;
  if (r.ct_account_id !== undefined) columns.ctAccountId = r.ct_account_id;
  return columns;
}

/*
 * Status (active, deleted, role) is only set when the user is created: afterwards ecsgraph owns
 * it, and a re-import must neither undelete a user nor re-enable one an administrator disabled.
 */
function planOf({ index, record }: Valid, existing: UserRow | undefined): Plan {
  const deleted = record.deleted || record.removed;
  return {
    index,
    ctUserId: record.ct_user_id,
    existing,
    columns: columnsOf(record),
    passwordHash: record.password,
    role: record.role ?? (record.is_superuser ? 'ADMIN' : 'USER'),
    active: !deleted && (record.is_active ?? record.active ?? true),
    deleted,
    live: existing ? existing.deletedAt === null : !deleted,
  };
}

const CHUNK = 1000;

function chunks<T>(values: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** A ct_user_id can be on one live row and on deleted ones: the live row is the user. */
function preferred(a: UserRow, b: UserRow): UserRow {
  if ((a.deletedAt === null) !== (b.deletedAt === null)) return a.deletedAt === null ? a : b;
  return (a.deletedAt?.getTime() ?? 0) >= (b.deletedAt?.getTime() ?? 0) ? a : b;
}

async function existingByCtUserId(db: Db, ids: string[]): Promise<Map<string, UserRow>> {
  const found = new Map<string, UserRow>();
  for (const chunk of chunks([...new Set(ids)])) {
    for (const row of await db.select().from(users).where(inArray(users.ctUserId, chunk))) {
      const seen = found.get(row.ctUserId!);
      found.set(row.ctUserId!, seen ? preferred(seen, row) : row);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Uniqueness: within the file, and against users already in the database

type UniqueKey = 'username' | 'email' | 'ct_account_id';

/** The values a live row will hold after the import, lower-cased where the index is. */
function uniqueValues(plan: Plan): [UniqueKey, string][] {
  const final = { ...plan.existing, ...plan.columns };
  const values: [UniqueKey, string | null | undefined][] = [
    ['username', final.username?.toLowerCase()],
    ['email', final.email?.toLowerCase()],
    ['ct_account_id', final.ctAccountId],
  ];
  return values.filter((v): v is [UniqueKey, string] => !!v[1]);
}

function duplicatesInFile(plans: Plan[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  /** False when the value was seen before. */
  const check = (plan: Plan, field: string, value: string, how = '') => {
    const first = seen.get(`${field}\0${value}`);
    if (first === undefined) seen.set(`${field}\0${value}`, plan.index);
    else problems.push({ index: plan.index, field, message: `same as records[${first}]${how}` });
    return first === undefined;
  };
  for (const plan of plans) {
    // A record repeated whole is one problem, not one per unique field.
    if (!check(plan, 'ct_user_id', plan.ctUserId) || !plan.live) continue;
    for (const [field, value] of uniqueValues(plan)) check(plan, field, value, field === 'ct_account_id' ? '' : ' (ignoring case)');
  }
  return problems;
}

/** Live users holding any of the file's usernames, e-mails or account ids. */
async function holders(db: Db, plans: Plan[]): Promise<Map<string, UserRow>> {
  const wanted: Record<UniqueKey, string[]> = { username: [], email: [], ct_account_id: [] };
  for (const plan of plans) for (const [field, value] of uniqueValues(plan)) wanted[field].push(value);
  const byKey = new Map<string, UserRow>();
  const columns = {
    username: sql`lower(${users.username})`,
    email: sql`lower(${users.email})`,
    ct_account_id: sql`${users.ctAccountId}`,
  };
  for (const field of Object.keys(wanted) as UniqueKey[]) {
    for (const chunk of chunks([...new Set(wanted[field])])) {
      const rows = await db.select().from(users).where(and(isNull(users.deletedAt), inArray(columns[field], chunk)));
      for (const row of rows) {
        const value = field === 'ct_account_id' ? row.ctAccountId : field === 'email' ? row.email?.toLowerCase() : row.username.toLowerCase();
        if (value) byKey.set(`${field}\0${value}`, row);
      }
    }
  }
  return byKey;
}

/*
 * Checked against the database as it is before the import: a file that swaps two users'
 * usernames or e-mails is refused rather than applied in an order that happens to work.
 */
async function clashesWithOthers(db: Db, plans: Plan[]): Promise<Problem[]> {
  const live = plans.filter((p) => p.live);
  const byKey = await holders(db, live);
  const problems: Problem[] = [];
  for (const plan of live) {
    for (const [field, value] of uniqueValues(plan)) {
      const holder = byKey.get(`${field}\0${value}`);
      if (holder && holder.id !== plan.existing?.id) {
        problems.push({ index: plan.index, field, message: `is already used by another user (${holder.username})` });
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Writes

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a === b;
}

function changedColumns(existing: UserRow, columns: Columns): Columns {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(columns)) {
    if (!same(existing[key as keyof UserRow], value)) changed[key] = value;
  }
  return changed as Columns;
}

function newRow(plan: Plan, now: Date): typeof users.$inferInsert {
  return {
    ...plan.columns,
    username: plan.columns.username!,
    ctUserId: plan.ctUserId,
    // Kept as the portal stored it: the user signs in with the old password and is re-hashed then.
    passwordHash: plan.passwordHash,
    role: plan.role,
    active: plan.active,
    deletedAt: plan.deleted ? now : null,
  };
}

/** Insert batches stay well under Postgres' 65535 bind parameters (about 30 columns a row). */
const INSERT_BATCH = 500;

/** Writes the plans; the ids of the users it changed go into `updated`. */
async function apply(db: Db, plans: Plan[], total: number, updated: string[]): Promise<ImportReport> {
  const now = new Date();
  const report: ImportReport = { ok: true, total, created: 0, updated: 0, unchanged: 0, problems: [] };
  for (const plan of plans.filter((p) => p.existing)) {
    const changed = changedColumns(plan.existing!, plan.columns);
    if (Object.keys(changed).length === 0) {
      report.unchanged++;
      continue;
    }
    await db.update(users).set({ ...changed, updatedAt: now }).where(eq(users.id, plan.existing!.id));
    updated.push(plan.existing!.id);
    report.updated++;
  }
  for (const batch of chunks(plans.filter((p) => !p.existing), INSERT_BATCH)) {
    await db.insert(users).values(batch.map((p) => newRow(p, now)));
    report.created += batch.length;
  }
  return report;
}

const UNIQUE_INDEXES: Record<string, UniqueKey | 'ct_user_id'> = {
  users_username_live: 'username',
  users_email_live: 'email',
  users_ct_user_id_live: 'ct_user_id',
  users_ct_account_id_live: 'ct_account_id',
};

/** A unique index caught a user written by someone else while the import ran. */
function raceProblem(err: unknown): Problem | null {
  const field = Object.entries(UNIQUE_INDEXES).find(([index]) => isUniqueViolation(err, index))?.[1];
  if (!field) return null;
  return { index: null, field: '', message: `a ${field} in the file was taken by a user created during the import; nothing was imported, run it again` };
}

// ---------------------------------------------------------------------------------------------

/**
 * Imports the portal's users from a parsed JSON file: an array of records or the portal's
 * envelope. Returns a report; when it lists problems nothing was written.
 */
export async function importUsers(deps: ImportDeps, input: unknown): Promise<ImportReport> {
  const list = recordList(input);
  if ('problem' in list) return failed(0, [list.problem]);
  const total = list.records.length;
  const { valid, problems } = validateAll(list.records);
  try {
    const updated: string[] = [];
    const report = await deps.db.transaction(async (tx) => {
      const existing = await existingByCtUserId(tx, valid.map((v) => v.record.ct_user_id));
      const plans = valid.map((v) => planOf(v, existing.get(v.record.ct_user_id)));
      problems.push(...duplicatesInFile(plans), ...(await clashesWithOthers(tx, plans)));
      if (problems.length > 0) throw new ImportAborted(problems);
      return apply(tx, plans, total, updated);
    });
    if (deps.rows && updated.length) await usersChanged(deps.rows, ...updated);
    return report;
  } catch (err) {
    if (err instanceof ImportAborted) return failed(total, err.problems);
    const race = raceProblem(err);
    if (race) return failed(total, [race]);
    throw err;
  }
}
