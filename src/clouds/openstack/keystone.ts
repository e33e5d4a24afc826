import { randomBytes } from 'node:crypto';
import { CloudError, type ProvisionedTenant, type TenantSpec } from '../driver';
import { query, type Ctx } from './context';

/*
 * Tenant provisioning in Keystone: project `ct_<account>`, user, role grant. Every step may
 * already have happened (a retry after a crash, a project made by hand): a 409 on the project
 * or the user means "find it and go on", and an adopted user gets the new random password so the
 * credentials returned work. Grants are idempotent in Keystone.
 */

interface Named {
  id: string;
  name: string;
}

const MEMBER_ROLES = ['member', '_member_'];

export interface IdentityCache {
  domainId?: Promise<string>;
  roleId?: Promise<string>;
}

function domainName(ctx: Ctx): string {
  return ctx.endpoint.domain ?? 'Default';
}

async function findOne(ctx: Ctx, collection: 'projects' | 'users' | 'domains' | 'roles', params: Record<string, string>, what: string): Promise<Named | undefined> {
  const { body } = await ctx.session.call<Record<string, Named[]>>('identity', {
    operation: `keystone.${collection}.list`,
    method: 'GET',
    path: `/${collection}`,
    query: query(params),
    what,
  });
  return body[collection]?.[0];
}

function domainId(ctx: Ctx, cache: IdentityCache): Promise<string> {
  const name = domainName(ctx);
  cache.domainId ??= (async () => {
    if (name === 'default') return 'default';
    const found = await findOne(ctx, 'domains', { name }, `Finding domain "${name}"`);
    if (!found) throw new CloudError('UPSTREAM_ERROR', `Datacenter ${ctx.endpoint.name} has no Keystone domain "${name}".`, { message: 'domain not found' }, ctx.endpoint.name);
    return found.id;
  })().catch((err: unknown) => {
    cache.domainId = undefined;
    throw err;
  });
  return cache.domainId;
}

function memberRoleId(ctx: Ctx, cache: IdentityCache): Promise<string> {
  cache.roleId ??= (async () => {
    for (const name of MEMBER_ROLES) {
      const found = await findOne(ctx, 'roles', { name }, `Finding role "${name}"`);
      if (found) return found.id;
    }
    throw new CloudError('UPSTREAM_ERROR', `Datacenter ${ctx.endpoint.name} has no "member" role to grant tenants.`, { message: 'role not found' }, ctx.endpoint.name);
  })().catch((err: unknown) => {
    cache.roleId = undefined;
    throw err;
  });
  return cache.roleId;
}

/**
 * 3 calls (create project, create user, grant) once the domain and role ids are known (2 more
 * calls the first time per datacenter); +1 on a project 409 (find it), +2 on a user 409 (find
 * it, set its password).
 */
export async function provisionTenant(ctx: Ctx, cache: IdentityCache, spec: TenantSpec): Promise<ProvisionedTenant> {
  const what = `Provisioning tenant "${spec.name}"`;
  const [domain, role] = await Promise.all([domainId(ctx, cache), memberRoleId(ctx, cache)]);

  const created = await ctx.session.call<{ project: Named }>('identity', {
    operation: 'keystone.projects.create',
    method: 'POST',
    path: '/projects',
    body: { project: { name: spec.name, domain_id: domain, description: `ecsgraph tenant ${spec.name}`, enabled: true } },
    accept: [409],
    what,
  });
  let projectId = created.body?.project?.id;
  if (created.status === 409) {
    const existing = await findOne(ctx, 'projects', { name: spec.name, domain_id: domain }, what);
    if (!existing) throw new CloudError('CONFLICT', `${what}: Keystone reports the project exists but does not list it.`, { status: 409 }, ctx.endpoint.name);
    projectId = existing.id;
  }

  const password = randomBytes(24).toString('base64url');
  const user: Record<string, unknown> = { name: spec.userName, domain_id: domain, password, default_project_id: projectId, enabled: true };
  if (spec.email) user.email = spec.email;
  const createdUser = await ctx.session.call<{ user: Named }>('identity', {
    operation: 'keystone.users.create',
    method: 'POST',
    path: '/users',
    body: { user },
    accept: [409],
    what,
    secrets: [password],
  });
  let userId = createdUser.body?.user?.id;
  if (createdUser.status === 409) {
    const existing = await findOne(ctx, 'users', { name: spec.userName, domain_id: domain }, what);
    if (!existing) throw new CloudError('CONFLICT', `${what}: Keystone reports the user exists but does not list it.`, { status: 409 }, ctx.endpoint.name);
    userId = existing.id;
    // The first attempt's password is lost with it: the adopted user gets this one.
    await ctx.session.call('identity', {
      operation: 'keystone.users.update',
      method: 'PATCH',
      path: `/users/${userId}`,
      body: { user: { password, enabled: true, default_project_id: projectId } },
      what,
      secrets: [password],
    });
  }

  await ctx.session.call('identity', {
    operation: 'keystone.roles.grant',
    method: 'PUT',
    path: `/projects/${projectId}/users/${userId}/roles/${role}`,
    what,
  });
  return {
    projectId: projectId!,
    userId: userId!,
    credentials: { kind: 'OPENSTACK', userId: userId!, userName: spec.userName, password, projectId: projectId!, domain: domainName(ctx) },
  };
}

/** 2 calls; a user or project already gone is fine. */
export async function removeTenant(ctx: Ctx, tenant: { projectId: string; userId: string }): Promise<void> {
  const what = `Removing tenant project ${tenant.projectId}`;
  await ctx.session.call('identity', { operation: 'keystone.users.delete', method: 'DELETE', path: `/users/${encodeURIComponent(tenant.userId)}`, accept: [404], what });
  await ctx.session.call('identity', { operation: 'keystone.projects.delete', method: 'DELETE', path: `/projects/${encodeURIComponent(tenant.projectId)}`, accept: [404], what });
}
