import type { SimClock } from '../common';
import { limitExceeded, paramError, permissionDenied } from './envelope';
import { Jobs, type JobSpec } from './jobs';
import type { Params } from './params';
import { GiB, LIMIT_TYPE_NAMES, SimState, type Account, type LimitName, type Limits, type User } from './state';

/** What every command module reaches: the stored state, the jobs, time and the settings. */
export class Sim {
  readonly state = new SimState();
  readonly jobs: Jobs;

  constructor(
    readonly clock: SimClock,
    readonly settings: SimSettings,
  ) {
    this.jobs = new Jobs(clock);
  }

  /** Totals as listAccounts reports them, computed from the records so that they never drift. */
  usage(accountId: string): Limits {
    const s = this.state;
    const mine = <T extends { accountId: string | null }>(m: Map<string, T>) => [...m.values()].filter((x) => x.accountId === accountId);
    const vms = mine(s.vms).filter((vm) => vm.state !== 'Destroyed' && vm.state !== 'Expunging');
    const offerings = vms.map((vm) => s.serviceOfferings.get(vm.serviceOfferingId));
    const volumes = mine(s.volumes).filter((v) => v.state !== 'Destroy');
    const snapshots = mine(s.snapshots);
    return {
      vm: vms.length,
      ip: mine(s.publicIps).length,
      volume: volumes.length,
      snapshot: snapshots.length,
      template: mine(s.templates).length,
      project: 0,
      network: mine(s.networks).length,
      vpc: mine(s.vpcs).length,
      cpu: offerings.reduce((n, o) => n + (o?.cpunumber ?? 0), 0),
      memory: offerings.reduce((n, o) => n + (o?.memory ?? 0), 0),
      primarystorage: Math.ceil(volumes.reduce((n, v) => n + v.sizeBytes, 0) / GiB),
      secondarystorage: Math.ceil(snapshots.reduce((n, x) => n + x.sizeBytes, 0) / GiB),
    };
  }

  /** The root admin is never limited, as in the server. */
  checkLimit(account: Account, name: LimitName, delta: number): void {
    if (account.accountType === 1) return;
    const max = account.limits[name];
    if (max < 0) return;
    if (this.usage(account.id)[name] + delta > max) {
      throw limitExceeded(
        `Maximum number of resources of type '${LIMIT_TYPE_NAMES[name]}' for account name=${account.name} in domain id=${account.domainId} has been exceeded.`,
      );
    }
  }
}

export interface SimSettings {
  /** `default.page.size`: largest page and the cap of unpaged lists. */
  defaultPageSize: number;
  /** `pagesize=-1` answers every item (else it is capped like an unpaged list). */
  unlimitedPageSize: boolean;
  /** Idle lifetime of a login session, s. */
  sessionTimeoutSec: number;
  /** `allow.user.expunge.recover.vm`. */
  allowUserExpunge: boolean;
  /** `expunge.delay`: how long a Destroyed VM stays before the expunge thread removes it, ms before timeScale. */
  expungeDelayMs: number;
  /** Simulated durations of jobs before timeScale, ms. */
  jobMs: { short: number; vm: number; vpc: number };
}

export interface Caller {
  user: User;
  account: Account;
  isAdmin: boolean;
}

type Owned = { accountId: string | null };

/** One authenticated command call. */
export class Ctx {
  constructor(
    readonly sim: Sim,
    readonly caller: Caller,
    readonly p: Params,
  ) {}

  get command(): string {
    return this.p.command;
  }

  get state(): SimState {
    return this.sim.state;
  }

  /**
   * The object behind an id parameter. Unknown → 431 with the dispatcher's own words;
   * another account's → 531 (PermissionDenied), as the server's access checker answers.
   */
  find<T extends Owned>(map: Map<string, T>, id: string, param: string): T {
    const entity = map.get(id);
    if (!entity) throw this.invalidId(param, id);
    if (entity.accountId !== null && !this.canAccess(entity.accountId)) {
      const owner = this.state.accounts.get(entity.accountId);
      throw permissionDenied(`Account ${this.caller.account.name} does not have permission to operate with resource ${id} of account ${owner?.name ?? 'unknown'}`);
    }
    return entity;
  }

  invalidId(param: string, id: string) {
    return paramError(
      `Unable to execute API command ${this.command.toLowerCase()} due to invalid value. Invalid parameter ${param} value=${id} ` +
        'due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.',
    );
  }

  canAccess(accountId: string): boolean {
    return this.caller.isAdmin || accountId === this.caller.account.id;
  }

  /**
   * Which accounts a list shows: the caller's own; an admin sees everyone's with `listall=true`,
   * or one account's with `account` + `domainid`.
   */
  inScope(accountId: string | null): boolean {
    if (accountId === null) return true;
    if (this.caller.isAdmin) {
      const name = this.p.str('account');
      if (name) {
        const account = this.state.accounts.get(accountId);
        return account?.name === name && (!this.p.str('domainid') || account.domainId === this.p.str('domainid'));
      }
      if (this.p.bool('listall')) return true;
    }
    return accountId === this.caller.account.id;
  }

  /** The account a create acts for: the caller's, or (admin) `account` + `domainid`. */
  owner(): Account {
    const name = this.p.str('account');
    if (!name || !this.caller.isAdmin) return this.caller.account;
    const domainId = this.p.str('domainid') ?? this.caller.account.domainId;
    for (const account of this.state.accounts.values()) if (account.name === name && account.domainId === domainId) return account;
    throw paramError(`Unable to find account ${name} in domain ${domainId}`);
  }

  submit(spec: Omit<JobSpec, 'accountId' | 'userId'> & { accountId?: string }): string {
    return this.sim.jobs.submit({ accountId: this.caller.account.id, userId: this.caller.user.id, ...spec }).id;
  }

  /**
   * A list answer (reference §4, §7): `count` = all matches, the page after it; `{}` when
   * nothing matches; `page` and `pagesize` only together; `pagesize` up to the server's
   * page size, which also caps unpaged lists.
   */
  list(key: string, items: Record<string, unknown>[]): Record<string, unknown> {
    const cap = this.sim.settings.defaultPageSize;
    const page = this.p.int('page');
    const pagesize = this.p.int('pagesize');
    const keyword = this.p.str('keyword')?.toLowerCase();
    if (keyword) {
      items = items.filter((item) =>
        ['name', 'displayname', 'displaytext', 'state'].some((f) => typeof item[f] === 'string' && (item[f] as string).toLowerCase().includes(keyword)),
      );
    }
    let offset = 0;
    let size = cap;
    if (pagesize === -1 && page === undefined) size = this.sim.settings.unlimitedPageSize ? Number.POSITIVE_INFINITY : cap;
    else if (page !== undefined || pagesize !== undefined) {
      if (page === undefined || pagesize === undefined) throw paramError('"page" and "pagesize" parameters must be specified together');
      if (page < 1 || pagesize < 1) throw paramError('Invalid page or pagesize value: both must be positive');
      if (pagesize > cap) throw paramError(`Page size can't exceed max allowed page size value: ${cap}`);
      offset = (page - 1) * pagesize;
      size = pagesize;
    }
    if (items.length === 0) return {};
    const slice = items.slice(offset, offset + size);
    return slice.length ? { count: items.length, [key]: slice } : { count: items.length };
  }
}

export type Handler = (ctx: Ctx) => Record<string, unknown>;

export interface Command {
  handler: Handler;
  /** Root-admin only: a user calling it gets 401, as for a command outside its role. */
  admin?: boolean;
}

export type Commands = Record<string, Command>;

/** `{jobid}` or, for create-style commands, `{id, jobid}`. */
export function asyncAnswer(jobid: string, id?: string): Record<string, unknown> {
  return id ? { id, jobid } : { jobid };
}

