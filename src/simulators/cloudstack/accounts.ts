import { randomBytes } from 'node:crypto';
import { asyncAnswer, type Commands, type Ctx, type Sim } from './context';
import { paramError, permissionDenied } from './envelope';
import { csDate, DEFAULT_LIMITS, LIMIT_NAMES, LIMIT_TYPE_NAMES, uuid, type Account, type LimitName, type User } from './state';

/* Domains, accounts, users, API keys and resource limits (reference §6 "Accounts"). */

const ROLE_TYPES = { 0: 'User', 1: 'Admin', 2: 'DomainAdmin' } as const;

export function newApiKeys(): { apiKey: string; secretKey: string } {
  return { apiKey: randomBytes(64).toString('base64url'), secretKey: randomBytes(64).toString('base64url') };
}

/** An account comes with its `default` security group (no rules: all in denied, all out allowed). */
export function createAccountRecord(sim: Sim, spec: { name: string; domainId: string; accountType: 0 | 1 | 2; limits?: Partial<typeof DEFAULT_LIMITS> }): Account {
  const now = sim.clock.now();
  const account: Account = {
    id: uuid(),
    name: spec.name,
    domainId: spec.domainId,
    accountType: spec.accountType,
    state: 'enabled',
    created: now,
    limits: { ...DEFAULT_LIMITS, ...spec.limits },
  };
  sim.state.accounts.set(account.id, account);
  const sg = { id: uuid(), name: 'default', description: 'Default Security Group', accountId: account.id, ingress: [], egress: [], created: now };
  sim.state.securityGroups.set(sg.id, sg);
  return account;
}

export function createUserRecord(sim: Sim, accountId: string, spec: Pick<User, 'username' | 'password' | 'firstname' | 'lastname' | 'email'>): User {
  const user: User = { id: uuid(), accountId, apiKey: null, secretKey: null, state: 'enabled', created: sim.clock.now(), ...spec };
  sim.state.users.set(user.id, user);
  return user;
}

function userView(sim: Sim, user: User, withKey: boolean) {
  const account = sim.state.accounts.get(user.accountId)!;
  const domain = sim.state.domains.get(account.domainId);
  return {
    id: user.id,
    username: user.username,
    firstname: user.firstname,
    lastname: user.lastname,
    email: user.email,
    account: account.name,
    accountid: account.id,
    accounttype: account.accountType,
    roletype: ROLE_TYPES[account.accountType],
    domainid: account.domainId,
    domain: domain?.name,
    state: user.state,
    created: csDate(user.created),
    apikey: withKey ? (user.apiKey ?? undefined) : undefined,
  };
}

function limitFields(sim: Sim, account: Account): Record<string, unknown> {
  const usage = sim.usage(account.id);
  const unlimited = account.accountType === 1;
  const fields: Record<string, unknown> = {};
  for (const name of LIMIT_NAMES) {
    const max = unlimited ? -1 : account.limits[name];
    // Limits and availables are strings ("Unlimited" or a number); totals are numbers.
    fields[`${name}limit`] = max < 0 ? 'Unlimited' : String(max);
    fields[`${name}total`] = usage[name];
    fields[`${name}available`] = max < 0 ? 'Unlimited' : String(Math.max(0, max - usage[name]));
  }
  const vms = [...sim.state.vms.values()].filter((vm) => vm.accountId === account.id);
  fields.vmrunning = vms.filter((vm) => vm.state === 'Running').length;
  fields.vmstopped = vms.filter((vm) => vm.state === 'Stopped').length;
  return fields;
}

function accountView(ctx: Ctx, account: Account) {
  const domain = ctx.state.domains.get(account.domainId);
  const users = [...ctx.state.users.values()].filter((u) => u.accountId === account.id);
  return {
    id: account.id,
    name: account.name,
    accounttype: account.accountType,
    roletype: ROLE_TYPES[account.accountType],
    domainid: account.domainId,
    domain: domain?.name,
    domainpath: domain?.path,
    state: account.state,
    created: csDate(account.created),
    isdefault: account.accountType === 1 && account.name === 'admin',
    user: users.map((u) => userView(ctx.sim, u, ctx.caller.isAdmin)),
    ...limitFields(ctx.sim, account),
  };
}

function domainOf(ctx: Ctx): string {
  const id = ctx.p.str('domainid');
  if (!id) return ctx.caller.account.domainId;
  if (!ctx.state.domains.has(id)) throw ctx.invalidId('domainid', id);
  return id;
}

function accountByIdOrName(ctx: Ctx): Account {
  const id = ctx.p.str('id');
  if (id) {
    const account = ctx.state.accounts.get(id);
    if (!account) throw ctx.invalidId('id', id);
    return account;
  }
  const name = ctx.p.required('account');
  const domainId = domainOf(ctx);
  const account = [...ctx.state.accounts.values()].find((a) => a.name === name && a.domainId === domainId);
  if (!account) throw paramError(`Unable to find account by name ${name} in domain ${domainId}`);
  return account;
}

function removeAccount(sim: Sim, accountId: string): void {
  const s = sim.state;
  for (const map of [s.vms, s.volumes, s.snapshots, s.publicIps, s.networks, s.vpcs, s.securityGroups, s.aclLists, s.aclItems, s.keyPairs, s.templates] as Map<string, { accountId: string | null }>[]) {
    for (const [id, item] of map) if (item.accountId === accountId) map.delete(id);
  }
  s.tags = s.tags.filter((t) => t.accountId !== accountId);
  for (const [id, user] of s.users) {
    if (user.accountId !== accountId) continue;
    s.users.delete(id);
    for (const [key, session] of s.sessions) if (session.userId === id) s.sessions.delete(key);
  }
  s.accounts.delete(accountId);
}

function requireUserFields(ctx: Ctx) {
  return {
    username: ctx.p.required('username'),
    password: ctx.p.required('password'),
    email: ctx.p.required('email'),
    firstname: ctx.p.required('firstname'),
    lastname: ctx.p.required('lastname'),
  };
}

function assertUsernameFree(ctx: Ctx, username: string, domainId: string) {
  for (const user of ctx.state.users.values()) {
    if (user.username === username && ctx.state.accounts.get(user.accountId)?.domainId === domainId) {
      throw paramError(`The user ${username} already exists in domain ${domainId}`);
    }
  }
}

function limitName(ctx: Ctx): LimitName {
  const type = ctx.p.required('resourcetype');
  const index = Number(type);
  const name = Number.isInteger(index) ? LIMIT_NAMES[index] : LIMIT_NAMES.find((n) => LIMIT_TYPE_NAMES[n] === type);
  if (!name) throw paramError(`Please specify a valid resource type: ${type}`);
  return name;
}

function limitView(ctx: Ctx, account: Account, name: LimitName) {
  return {
    resourcetype: String(LIMIT_NAMES.indexOf(name)),
    resourcetypename: LIMIT_TYPE_NAMES[name],
    max: account.accountType === 1 ? -1 : account.limits[name],
    account: account.name,
    domainid: account.domainId,
    domain: ctx.state.domains.get(account.domainId)?.name,
  };
}

export const accountCommands: Commands = {
  listDomains: {
    handler: (ctx) => {
      const id = ctx.p.str('id');
      const name = ctx.p.str('name');
      const level = ctx.p.int('level');
      const visible = [...ctx.state.domains.values()].filter(
        (d) => (ctx.caller.isAdmin || d.id === ctx.caller.account.domainId) && (!id || d.id === id) && (!name || d.name === name) && (level === undefined || d.level === level),
      );
      return ctx.list(
        'domain',
        visible.map((d) => ({
          id: d.id,
          name: d.name,
          level: d.level,
          path: d.path,
          parentdomainid: d.parentId ?? undefined,
          haschild: [...ctx.state.domains.values()].some((c) => c.parentId === d.id),
        })),
      );
    },
  },

  createAccount: {
    admin: true,
    handler: (ctx) => {
      const fields = requireUserFields(ctx);
      const domainId = domainOf(ctx);
      const name = ctx.p.str('account') ?? fields.username;
      const type = ctx.p.int('accounttype') ?? 0;
      if (type !== 0 && type !== 1 && type !== 2) throw paramError(`Invalid account type ${type} given; unable to create user`);
      if ([...ctx.state.accounts.values()].some((a) => a.name === name && a.domainId === domainId)) {
        throw paramError(`The specified account: ${name} already exists`);
      }
      assertUsernameFree(ctx, fields.username, domainId);
      const account = createAccountRecord(ctx.sim, { name, domainId, accountType: type });
      createUserRecord(ctx.sim, account.id, fields);
      return { account: accountView(ctx, account) };
    },
  },

  listAccounts: {
    handler: (ctx) => {
      const id = ctx.p.str('id');
      const name = ctx.p.str('name');
      const state = ctx.p.str('state');
      const domainId = ctx.p.str('domainid');
      const type = ctx.p.int('accounttype');
      const accounts = [...ctx.state.accounts.values()].filter(
        (a) =>
          (ctx.caller.isAdmin ? true : a.id === ctx.caller.account.id) &&
          (!id || a.id === id) &&
          (!name || a.name === name) &&
          (!state || a.state === state.toLowerCase()) &&
          (!domainId || a.domainId === domainId) &&
          (type === undefined || a.accountType === type),
      );
      return ctx.list('account', accounts.map((a) => accountView(ctx, a)));
    },
  },

  deleteAccount: {
    admin: true,
    handler: (ctx) => {
      const account = accountByIdOrName(ctx);
      if (account.id === ctx.caller.account.id) throw paramError('Deletion of the account making the call is not allowed');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.admin.account.DeleteAccountCmd',
        instanceType: 'Account',
        instanceId: account.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          removeAccount(ctx.sim, account.id);
          return { success: true };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  enableAccount: {
    admin: true,
    handler: (ctx) => {
      const account = accountByIdOrName(ctx);
      account.state = 'enabled';
      return { account: accountView(ctx, account) };
    },
  },

  disableAccount: {
    admin: true,
    handler: (ctx) => {
      const account = accountByIdOrName(ctx);
      const lock = ctx.p.bool('lock');
      if (lock === undefined) ctx.p.required('lock');
      const jobid = ctx.submit({
        cmd: 'org.apache.cloudstack.api.command.admin.account.DisableAccountCmd',
        instanceType: 'Account',
        instanceId: account.id,
        durationMs: ctx.sim.settings.jobMs.short,
        finish: () => {
          account.state = lock ? 'locked' : 'disabled';
          return { account: accountView(ctx, account) };
        },
      });
      return asyncAnswer(jobid);
    },
  },

  createUser: {
    admin: true,
    handler: (ctx) => {
      const fields = requireUserFields(ctx);
      const name = ctx.p.required('account');
      const domainId = domainOf(ctx);
      const account = [...ctx.state.accounts.values()].find((a) => a.name === name && a.domainId === domainId);
      if (!account) throw paramError(`Unable to find account ${name} in domain id=${domainId} to create user`);
      assertUsernameFree(ctx, fields.username, domainId);
      return { user: userView(ctx.sim, createUserRecord(ctx.sim, account.id, fields), true) };
    },
  },

  listUsers: {
    handler: (ctx) => {
      const id = ctx.p.str('id');
      const username = ctx.p.str('username');
      const users = [...ctx.state.users.values()].filter(
        (u) => (ctx.caller.isAdmin || u.accountId === ctx.caller.account.id) && (!id || u.id === id) && (!username || u.username === username),
      );
      return ctx.list('user', users.map((u) => userView(ctx.sim, u, ctx.caller.isAdmin)));
    },
  },

  deleteUser: {
    admin: true,
    handler: (ctx) => {
      const id = ctx.p.required('id');
      const user = ctx.state.users.get(id);
      if (!user) throw ctx.invalidId('id', id);
      if (user.id === ctx.caller.user.id) throw paramError('Deleting the user making the call is not allowed');
      ctx.state.users.delete(id);
      return { success: true };
    },
  },

  /** New keys every time: the old ones stop working at once. A user may renew its own. */
  registerUserKeys: {
    handler: (ctx) => {
      const id = ctx.p.required('id');
      const user = ctx.state.users.get(id);
      if (!user) throw ctx.invalidId('id', id);
      if (!ctx.caller.isAdmin && user.id !== ctx.caller.user.id) {
        throw permissionDenied(`Account ${ctx.caller.account.name} does not have permission to register keys of user ${id}`);
      }
      const keys = newApiKeys();
      user.apiKey = keys.apiKey;
      user.secretKey = keys.secretKey;
      return { userkeys: { apikey: keys.apiKey, secretkey: keys.secretKey } };
    },
  },

  getUserKeys: {
    admin: true,
    handler: (ctx) => {
      const id = ctx.p.required('id');
      const user = ctx.state.users.get(id);
      if (!user) throw ctx.invalidId('id', id);
      return { userkeys: { apikey: user.apiKey ?? undefined, secretkey: user.secretKey ?? undefined } };
    },
  },

  updateResourceLimit: {
    admin: true,
    handler: (ctx) => {
      const name = limitName(ctx);
      const max = ctx.p.int('max') ?? -1;
      const account = accountByIdOrName(ctx);
      account.limits[name] = max < 0 ? -1 : max;
      return { resourcelimit: limitView(ctx, account, name) };
    },
  },

  listResourceLimits: {
    handler: (ctx) => {
      const account = ctx.p.str('account') && ctx.caller.isAdmin ? accountByIdOrName(ctx) : ctx.caller.account;
      const only = ctx.p.str('resourcetype') ? [limitName(ctx)] : [...LIMIT_NAMES];
      return ctx.list('resourcelimit', only.map((name) => limitView(ctx, account, name)));
    },
  },
};
